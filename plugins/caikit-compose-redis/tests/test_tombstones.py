"""A completed key is emitted at most once: tombstones in the REDIS store, recognised by the
groupings in every process that shares it."""
from __future__ import annotations

import threading
import time

import pytest
import redis
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import (
    GROUP_STORE_FACTORY,
    GROUPING_FACTORY,
    MQ_FACTORY,
    Message,
    SubscriptionManager,
)
from caikit_compose.group_store import TOMBSTONE


@pytest.fixture
def store(redis_config):
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config})
    yield gs
    gs.close()


def _half(kind: str, data_id: str) -> Message:
    return Message.from_data(StrSequence([kind]), data_id=data_id, content_type=kind)


def test_the_tombstone_script_writes_no_state(redis_server, store, namespace):
    assert store.compare_and_tombstone("KEY_GROUPING/s/e/1", 0, ttl=30)
    raw = redis.Redis.from_url(redis_server.url)
    try:
        (key,) = raw.keys(f"{namespace}:gs:*:KEY_GROUPING/s/e/1")
        assert raw.hget(key, "s") == b"T"
        assert 0 < raw.pttl(key) <= 30_000
    finally:
        raw.close()
    dead = store.get_versioned("KEY_GROUPING/s/e/1")
    assert dead.state is TOMBSTONE and dead.version > 0
    assert not store.compare_and_tombstone("KEY_GROUPING/s/e/1", 0)
    assert not store.compare_and_tombstone("KEY_GROUPING/s/e/1", dead.version + 1)
    assert store.compare_and_tombstone("KEY_GROUPING/s/e/1", dead.version)


def test_a_completed_pair_is_not_emitted_again_by_any_replica(redis_config):
    """Two replicas (two stores, as two processes would have): the pair completes in one;
    the same halves delivered again to either are dropped."""
    stores = [GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config}) for _ in range(2)]
    try:
        replicas = [
            GROUPING_FACTORY.construct({"type": "KEY_GROUPING"}, "pairs", gs, ["A", "B"])
            for gs in stores
        ]
        assert replicas[0].add_message(_half("A", "k")) is None
        assert replicas[1].add_message(_half("B", "k")) is not None
        assert replicas[0].add_message(_half("A", "k")) is None
        assert replicas[1].add_message(_half("B", "k")) is None
        assert replicas[0].stats["dropped_completed"] == replicas[1].stats["dropped_completed"] == 1
        assert [stores[0].get_versioned(k).state for k in stores[0].scan("KEY_GROUPING/pairs/")] == [TOMBSTONE]
    finally:
        for gs in stores:
            gs.close()


def test_the_tombstone_expires_with_its_ttl(store):
    grouping = GROUPING_FACTORY.construct(
        {"type": "KEY_GROUPING", "config": {"tombstone_ttl": 0.3}}, "pairs", store, ["A", "B"]
    )
    grouping.add_message(_half("A", "k"))
    assert grouping.add_message(_half("B", "k")) is not None
    assert grouping.add_message(_half("A", "k")) is None  # tombstoned
    time.sleep(0.5)
    assert store.scan("KEY_GROUPING/pairs/") == []  # Redis dropped it
    grouping.add_message(_half("A", "k"))
    assert grouping.add_message(_half("B", "k")) is not None  # a new group for the key


def test_a_window_frame_delivered_again_is_dropped(store):
    count = GROUPING_FACTORY.construct(
        {"type": "COUNT_GROUPING", "config": {"window_size": 2, "window_stride": 2}}, "c", store, ["C"]
    )
    frames = [_half("C", str(q)) for q in (1, 2)]
    for q, frame in enumerate(frames, start=1):
        frame.publish_sequence = q
    assert count.add_message(frames[0]) is None
    assert count.add_message(frames[1]) is not None
    again = Message.from_binary_buffer(frames[0].to_binary_buffer())
    again.publish_sequence = 1  # a redelivery: the same entry of the stream
    assert count.add_message(again) is None
    assert count.stats["dropped_completed"] == 1


def test_pairs_published_again_through_redis_are_dropped(redis_config):
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": redis_config})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config})
    got, lock = [], threading.Lock()

    def collect(group):
        with lock:
            got.append(group.header.data_id)

    manager = SubscriptionManager("pairs", mq, gs, collect, ["A", "B"], "KEY_GROUPING")
    try:
        for _ in range(2):  # the second round replays every input
            for i in range(20):
                for kind in ("A", "B"):
                    mq.create_topic(kind)
                    mq.publish(kind, _half(kind, f"k{i}"))
        mq.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and manager.grouping.stats["dropped_completed"] < 40:
            time.sleep(0.05)
        assert sorted(got) == sorted(f"k{i}" for i in range(20))
        assert manager.grouping.stats["dropped_completed"] == 40
    finally:
        manager.unsubscribe()
        mq.shutdown()
        gs.close()
