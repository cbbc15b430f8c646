"""The REDIS group store's primitives: versions, compare-and-set, delete, TTL, scan, clock."""
from __future__ import annotations

import threading
import time

import pytest
import redis
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, Message
from caikit_compose.group_store import ABSENT, DELETE, KEEP, TOMBSTONE
from caikit_compose.grouping import GroupElement
from caikit_compose_redis import RedisGroupStore


@pytest.fixture
def store(redis_config):
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config})
    yield gs
    gs.close()


def test_factory_builds_the_plugin_through_its_entry_point(store):
    assert isinstance(store, RedisGroupStore)


def test_absent_keys_read_as_absent(store):
    assert store.get_versioned("KEY_GROUPING/s/e/1") == ABSENT
    assert store.get("KEY_GROUPING/s/e/1") is None


def test_compare_and_set_stores_by_value_with_a_new_version(store):
    msg = Message.from_data(StrSequence(["a"]), data_id="1")
    state = GroupElement(messages=[msg])
    assert store.compare_and_set("G/s/k", state, 0)
    first = store.get_versioned("G/s/k")
    assert first.state == state and first.state is not state
    assert first.version > 0
    assert abs(first.updated_at - store.now()) < 5
    assert not store.compare_and_set("G/s/k", state, 0)  # no longer absent
    assert not store.compare_and_set("G/s/k", state, first.version + 1)
    assert store.compare_and_set("G/s/k", None, first.version)
    second = store.get_versioned("G/s/k")
    assert second.state is None and second.version > first.version


def test_versions_never_repeat_after_a_delete(store):
    assert store.compare_and_set("G/s/k", None, 0)
    old = store.get_versioned("G/s/k").version
    assert not store.compare_and_delete("G/s/k", old + 1)
    assert store.compare_and_delete("G/s/k", old)
    assert store.get_versioned("G/s/k") == ABSENT
    assert not store.compare_and_delete("G/s/k", old)
    assert store.compare_and_set("G/s/k", None, 0)
    assert store.get_versioned("G/s/k").version != old  # a stale writer cannot win (ABA)


def test_concurrent_updates_are_never_lost(redis_config):
    stores = [RedisGroupStore(redis_config) for _ in range(4)]
    per_thread = 100

    def increment(gs):
        for _ in range(per_thread):
            gs.update("COUNTER/x/n", lambda cur: (StrSequence([str(_count(cur) + 1)]), None))

    threads = [threading.Thread(target=increment, args=(gs,)) for gs in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(stores[0].get_versioned("COUNTER/x/n")) == 4 * per_thread
    for gs in stores:
        gs.close()


def _count(current) -> int:
    return int(current.state.values[0]) if current.state is not None else 0


def test_update_keep_and_delete(store):
    assert store.update("G/s/k", lambda cur: (StrSequence(["v"]), "made")) == "made"
    assert store.update("G/s/k", lambda cur: (KEEP, cur.state.values)) == ["v"]
    assert store.update("G/s/k", lambda cur: (DELETE, "gone")) == "gone"
    assert store.get_versioned("G/s/k") == ABSENT


def test_idle_keys_expire_after_their_ttl(store):
    assert store.compare_and_set("G/s/short", None, 0, ttl=0.2)
    assert store.compare_and_set("G/s/long", None, 0)
    time.sleep(0.5)
    assert store.get_versioned("G/s/short") == ABSENT
    assert store.get_versioned("G/s/long").version > 0


def test_the_default_ttl_comes_from_config(redis_config):
    gs = RedisGroupStore({**redis_config, "ttl_s": 0.2})
    try:
        assert gs.compare_and_set("G/s/k", None, 0)
        time.sleep(0.5)
        assert gs.get_versioned("G/s/k") == ABSENT
    finally:
        gs.close()


def test_scan_finds_keys_by_prefix(store):
    for key in ("KEY_GROUPING/a/e/1", "KEY_GROUPING/a/e/2", "KEY_GROUPING/ab/e/1", "COUNT_GROUPING/a/series"):
        assert store.compare_and_set(key, None, 0)
    assert store.scan("KEY_GROUPING/a/e/") == ["KEY_GROUPING/a/e/1", "KEY_GROUPING/a/e/2"]
    assert store.scan("KEY_GROUPING/a") == [
        "KEY_GROUPING/a/e/1",
        "KEY_GROUPING/a/e/2",
        "KEY_GROUPING/ab/e/1",
    ]
    assert len(store.scan("")) == 4


def test_keys_of_one_grouping_share_a_hash_slot(redis_server, store, namespace):
    store.compare_and_set("KEY_GROUPING/sub/e/1", None, 0)
    store.compare_and_set("KEY_GROUPING/sub/e/2", None, 0)
    client = redis.Redis.from_url(redis_server.url)
    try:
        keys = [k.decode() for k in client.keys(f"{namespace}:gs:*")]
        assert len(keys) == 3  # two states and the grouping's version counter
        assert {k[k.index("{") : k.index("}") + 1] for k in keys} == {"{KEY_GROUPING/sub}"}
    finally:
        client.close()


def test_states_are_protobuf_never_pickle(redis_server, store, namespace):
    msg = Message.from_data(StrSequence(["a"]), data_id="1")
    store.compare_and_set("G/s/k", GroupElement(messages=[msg]), 0)
    client = redis.Redis.from_url(redis_server.url)
    try:
        (key,) = client.keys(f"{namespace}:gs:*:G/s/k")
        data = client.hget(key, "s")
    finally:
        client.close()
    assert data.startswith(b"Dcaikit_data_model.compose.GroupElement\n")
    assert b"\x80\x04" not in data[:2]  # not a pickle stream
    assert GroupElement.from_binary_buffer(data.split(b"\n", 1)[1]).messages == [msg]


def test_an_idle_partial_group_expires_exactly_once_across_replicas(redis_config):
    from caikit_compose import GROUPING_FACTORY

    config = {"partial_ttl": 0.2, "emit_partial": True}
    stores = [RedisGroupStore(redis_config) for _ in range(2)]
    replicas = [
        GROUPING_FACTORY.construct({"type": "KEY_GROUPING", "config": config}, "sub", gs, ["A", "B"])
        for gs in stores
    ]
    try:
        replicas[0].add_message(
            Message.from_data(StrSequence(["a"]), data_id="k1", content_type="A")
        )
        assert len(replicas[1].get_pending_messages()) == 1  # shared through Redis
        time.sleep(0.4)
        emitted = replicas[0].expire() + replicas[1].expire()
        assert len(emitted) == 1
        assert emitted[0].metadata["caikit_compose"]["partial"] == "expired"
        assert emitted[0].header.data_id == "k1"
        assert replicas[0].get_pending_messages() == []
    finally:
        for gs in stores:
            gs.close()


def test_batches_read_and_write_in_one_round_trip_each(store):
    """get_versioned_many and compare_and_set_many: each write applied or refused on its own
    (TOMBSTONE tombstones, DELETE deletes), like the single-key primitives."""
    state = StrSequence(["s"])
    assert store.compare_and_set("G/s/a", state, 0)
    assert store.compare_and_set("G/s/b", state, 0)
    a, b, c = store.get_versioned_many(["G/s/a", "G/s/b", "G/s/c"])
    assert a.state == state and b.version > 0 and c == ABSENT
    results = store.compare_and_set_many(
        [
            ("G/s/a", TOMBSTONE, a.version, 30),
            ("G/s/b", DELETE, b.version + 1, None),  # stale: refused
            ("G/s/c", StrSequence(["new"]), 0, None),
            ("G/s/d", StrSequence(["no"]), 5, None),  # absent, not at version 5: refused
        ]
    )
    assert results == [True, False, True, False]
    a, b, c, d = store.get_versioned_many(["G/s/a", "G/s/b", "G/s/c", "G/s/d"])
    assert a.state is TOMBSTONE and b.state == state and c.state == StrSequence(["new"])
    assert d == ABSENT
    assert store.compare_and_set_many([("G/s/b", DELETE, b.version, None)]) == [True]


def test_batched_scripts_survive_an_emptied_script_cache(redis_server, store):
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.script_flush()
    finally:
        client.close()
    assert store.compare_and_set_many(
        [("G/s/x", StrSequence(["x"]), 0, None), ("G/s/y", TOMBSTONE, 0, None)]
    ) == [True, True]
    assert store.get_versioned("G/s/y").state is TOMBSTONE
