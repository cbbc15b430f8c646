"""The REDIS message queue in one process: delivery, groups, sequence, lag and errors."""
from __future__ import annotations

import logging
import threading
import time

import pytest
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import MQ_FACTORY, Message
from caikit_compose.errors import MessageQueueClosedError, UnknownTopicError
from caikit_compose_redis import RedisMessageQueue, publish_sequence


class Collector:
    """A handler that records what it gets and lets a test wait for a count."""

    def __init__(self):
        self.messages = []
        self._cond = threading.Condition()

    def __call__(self, message):
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self.messages)


@pytest.fixture
def mq(redis_config):
    queue = MQ_FACTORY.construct({"type": "REDIS", "config": redis_config})
    yield queue
    queue.shutdown()


def test_factory_builds_the_plugin_through_its_entry_point(mq):
    assert isinstance(mq, RedisMessageQueue)
    assert mq.instance_name == "REDIS"


def test_a_message_arrives_intact_with_its_sequence(mq):
    mq.create_topic("input")
    got = Collector()
    mq.subscribe("input", "g", got)
    sent = [
        Message.from_data(StrSequence([f"v{i}"]), data_id=f"d{i}", metadata={"i": i, "x": [1.5]})
        for i in range(5)
    ]
    for msg in sent:
        mq.publish("input", msg)
    received = got.wait_for(5)
    assert received == sent
    assert [m.publish_sequence for m in received] == [1, 2, 3, 4, 5]
    assert [publish_sequence(m) for m in received] == [1, 2, 3, 4, 5]  # the older helper
    assert all(m.publish_sequence is None for m in sent)  # the server numbers, not publish
    assert received[2].unwrapped == StrSequence(["v2"])


def test_every_group_gets_each_message_once_and_members_share(mq):
    mq.create_topic("t")
    a1, a2, b = Collector(), Collector(), Collector()
    mq.subscribe("t", "A", a1)
    mq.subscribe("t", "A", a2)
    mq.subscribe("t", "B", b)
    n = 2000
    for i in range(n):
        mq.publish("t", Message.from_data(StrSequence([str(i)]), data_id=str(i)))
    assert mq.flush(10)
    b.wait_for(n)
    deadline = time.monotonic() + 10
    while len(a1.messages) + len(a2.messages) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    ids_a = sorted(int(m.header.data_id) for m in a1.messages + a2.messages)
    assert ids_a == list(range(n))
    assert sorted(int(m.header.data_id) for m in b.messages) == list(range(n))


def test_only_messages_published_after_subscribing_arrive(mq):
    mq.create_topic("late")
    mq.publish("late", Message.from_data(StrSequence(["before"])))
    assert mq.flush(5)
    got = Collector()
    mq.subscribe("late", "g", got)
    mq.publish("late", Message.from_data(StrSequence(["after"])))
    assert [m.unwrapped.values for m in got.wait_for(1)] == [["after"]]
    time.sleep(0.3)
    assert len(got.messages) == 1


def test_topics_are_shared_between_queue_instances(redis_config, mq):
    mq.create_topic("shared")
    other = RedisMessageQueue(redis_config)
    try:
        assert "shared" in other.topics()
        got = Collector()
        other.subscribe("shared", "g", got)
        mq.publish("shared", Message.from_data(StrSequence(["x"])))
        assert len(got.wait_for(1)) == 1
    finally:
        other.shutdown()


def test_publishing_to_an_unknown_topic_is_an_error(mq):
    with pytest.raises(UnknownTopicError, match="'nope'"):
        mq.publish("nope", Message.from_data(StrSequence(["x"])))


def test_publishing_a_non_message_is_a_type_error(mq):
    mq.create_topic("t")
    with pytest.raises(TypeError, match=r"caikit_compose\.Message"):
        mq.publish("t", {"not": "a message"})


def test_a_failing_handler_is_logged_and_delivery_goes_on(mq, caplog):
    mq.create_topic("t")
    got = Collector()

    def explode(message):
        if message.header.data_id == "bad":
            raise RuntimeError("boom")
        got(message)

    sid = mq.subscribe("t", "g", explode)
    messages = [Message.from_data(StrSequence(["x"]), data_id=d) for d in ("ok1", "bad", "ok2")]
    with caplog.at_level(logging.ERROR):
        for message in messages:
            mq.publish("t", message)
        assert [m.header.data_id for m in got.wait_for(2)] == ["ok1", "ok2"]
    assert mq.handler_errors == 1
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert sid in text and messages[1].header.uid in text and "data_id=bad" in text and "boom" in text


def test_unsubscribe_stops_delivery(mq):
    mq.create_topic("t")
    got = Collector()
    sub = mq.subscribe("t", "g", got)
    mq.publish("t", Message.from_data(StrSequence(["1"])))
    got.wait_for(1)
    assert mq.unsubscribe(sub) is True
    assert mq.unsubscribe(sub) is False
    mq.publish("t", Message.from_data(StrSequence(["2"])))
    mq.flush(5)
    time.sleep(0.3)
    assert len(got.messages) == 1
    assert mq.subscriptions() == []


def test_lag_counts_what_a_group_has_not_read(mq):
    mq.create_topic("t")
    got = Collector()
    mq.subscribe("t", "reading", got)
    idle = mq.subscribe("t", "idle", Collector())
    mq.unsubscribe(idle)  # the group stays, with no member reading it
    for i in range(50):
        mq.publish("t", Message.from_data(StrSequence([str(i)])))
    mq.flush(5)
    got.wait_for(50)
    time.sleep(0.1)
    assert mq.lag("t") == {("t", "reading"): 0, ("t", "idle"): 50}
    assert mq.lag()[("t", "idle")] == 50


def test_shutdown_writes_what_was_published_and_closes(redis_config):
    first = RedisMessageQueue(redis_config)
    reader = RedisMessageQueue(redis_config)
    got = Collector()
    first.create_topic("t")
    reader.subscribe("t", "g", got)
    for i in range(300):
        first.publish("t", Message.from_data(StrSequence([str(i)])))
    first.shutdown()
    assert len(got.wait_for(300)) == 300
    reader.shutdown()
    with pytest.raises(MessageQueueClosedError):
        first.publish("t", Message.from_data(StrSequence(["x"])))


def test_a_data_stream_member_is_exclusive_and_fails_over(redis_config, mq):
    other = RedisMessageQueue(redis_config)
    try:
        mq.create_topic("s")
        first, second = Collector(), Collector()
        sub_first = mq.subscribe("s", "g", first, is_data_stream=True)
        time.sleep(0.3)  # the first member takes the lease
        other.subscribe("s", "g", second, is_data_stream=True)
        for i in range(100):
            mq.publish("s", Message.from_data(StrSequence([str(i)]), data_id=str(i)))
        assert len(first.wait_for(100)) == 100
        assert second.messages == []
        mq.unsubscribe(sub_first)  # releases the lease: the fail-over takes over
        for i in range(100, 150):
            mq.publish("s", Message.from_data(StrSequence([str(i)]), data_id=str(i)))
        assert [int(m.header.data_id) for m in second.wait_for(50)] == list(range(100, 150))
    finally:
        other.shutdown()


def test_several_readers_per_subscription_share_its_messages(redis_config):
    mq = RedisMessageQueue({**redis_config, "consumers": 3, "count": 10})
    try:
        mq.create_topic("t")
        got = Collector()
        threads = set()

        def handler(message):
            threads.add(threading.current_thread().name)
            time.sleep(0.001)
            got(message)

        mq.subscribe("t", "g", handler)
        for i in range(300):
            mq.publish("t", Message.from_data(StrSequence([str(i)]), data_id=str(i)))
        received = got.wait_for(300)
        assert sorted(int(m.header.data_id) for m in received) == list(range(300))
        assert len(threads) > 1
        assert {name for (_, name) in mq.lag("t")} == {"g"}
    finally:
        mq.shutdown()
