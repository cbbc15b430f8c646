"""LOCAL message queue: delivery semantics, dispatch modes, errors, safety and lifecycle."""
import logging
import threading
import time

import pytest
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import MQ_FACTORY, Message, MessageQueueBase
from caikit_compose.errors import MessageQueueClosedError, MessageQueueFullError, UnknownTopicError
from caikit_compose.message_queue.local import LocalMessageQueue


def _msg(i=0):
    return Message.from_data(StrSequence([str(i)]), data_id=str(i))


def _ids(received):
    return [m.header.data_id for m in received]


def test_factory_builds_local_with_sync_default():
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    assert isinstance(mq, LocalMessageQueue) and isinstance(mq, MessageQueueBase)
    assert mq.instance_name == "LOCAL"
    assert mq.threads == 0
    named = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 2}}, "mine")
    assert named.instance_name == "mine" and named.threads == 2
    named.shutdown()


@pytest.mark.parametrize("threads", [-1, "2", 1.5, True])
def test_bad_threads_option(threads):
    with pytest.raises((TypeError, ValueError)):
        MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})


def test_sync_delivery_happens_before_publish_returns(mq):
    mq.create_topic("t")
    got = []
    mq.subscribe("t", "g", got.append)
    mq.publish("t", _msg(1))
    assert _ids(got) == ["1"]


def test_every_group_gets_each_message_once_and_members_round_robin(any_mq):
    any_mq.create_topic("t")
    members = [[], [], []]
    other = []
    for bucket in members:
        any_mq.subscribe("t", "g1", bucket.append)
    any_mq.subscribe("t", "g2", other.append)
    for i in range(7):
        any_mq.publish("t", _msg(i))
    assert any_mq.drain(10)
    assert [len(b) for b in members] == [3, 2, 2]
    assert sorted(int(i) for b in members for i in _ids(b)) == list(range(7))
    assert _ids(other) == [str(i) for i in range(7)]


def test_data_stream_member_is_exclusive_and_fails_over(mq):
    mq.create_topic("t")
    plain, stream1, stream2 = [], [], []
    mq.subscribe("t", "g", plain.append)
    first = mq.subscribe("t", "g", stream1.append, is_data_stream=True)
    mq.subscribe("t", "g", stream2.append, is_data_stream=True)
    for i in range(3):
        mq.publish("t", _msg(i))
    assert (len(plain), len(stream1), len(stream2)) == (0, 3, 0)
    mq.unsubscribe(first)
    mq.publish("t", _msg(3))
    assert _ids(stream2) == ["3"]


def test_order_is_preserved_per_subscription(any_mq):
    any_mq.create_topic("t")
    got = {name: [] for name in "abcd"}
    for name, bucket in got.items():
        any_mq.subscribe("t", name, bucket.append)
    for i in range(2000):
        any_mq.publish("t", _msg(i))
    assert any_mq.drain(30)
    for bucket in got.values():
        assert [int(i) for i in _ids(bucket)] == list(range(2000))


def test_unknown_topic_is_a_clear_error(mq):
    with pytest.raises(UnknownTopicError, match="'nope'") as info:
        mq.publish("nope", _msg())
    assert isinstance(info.value, LookupError)
    assert info.value.topic == "nope"


def test_subscribe_before_create_topic(mq):
    got = []
    mq.subscribe("later", "g", got.append)
    with pytest.raises(UnknownTopicError):
        mq.publish("later", _msg())
    mq.create_topic("later")
    mq.create_topic("later")  # idempotent
    mq.publish("later", _msg(5))
    assert _ids(got) == ["5"]
    assert mq.topics() == ["later"]


def test_unsubscribe(mq):
    mq.create_topic("t")
    got = []
    sid = mq.subscribe("t", "g", got.append)
    assert mq.unsubscribe(sid) is True
    assert mq.unsubscribe(sid) is False
    assert mq.unsubscribe("unknown") is False
    mq.publish("t", _msg())
    assert got == []


def test_handler_errors_are_logged_and_do_not_stop_other_groups(any_mq, caplog):
    any_mq.create_topic("t")
    after = []

    def boom(msg):
        raise RuntimeError("boom")

    sid = any_mq.subscribe("t", "g1", boom)
    any_mq.subscribe("t", "g2", after.append)
    msg = _msg(1)
    with caplog.at_level(logging.ERROR):
        any_mq.publish("t", msg)
        assert any_mq.drain(10)
    assert len(after) == 1
    assert any_mq.handler_errors == 1
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert sid in text and msg.header.uid in text and "boom" in text


def test_subscribe_and_unsubscribe_inside_handlers(any_mq):
    any_mq.create_topic("t")
    late = []
    state = {}

    def self_removing(msg):
        any_mq.unsubscribe(state["sid"])
        any_mq.subscribe("t", "late", late.append)

    state["sid"] = any_mq.subscribe("t", "g", self_removing)
    any_mq.publish("t", _msg(0))
    assert any_mq.drain(10)
    for i in range(1, 5):
        any_mq.publish("t", _msg(i))
    assert any_mq.drain(10)
    assert any_mq.handler_errors == 0
    assert _ids(late) == ["1", "2", "3", "4"]
    assert [s.group_id for s in any_mq.subscriptions()] == ["late"]


def test_nested_publish_sync_is_depth_first(mq):
    mq.create_topic("a")
    mq.create_topic("b")
    order = []

    def on_a(msg):
        order.append("a-start")
        mq.publish("b", msg)
        order.append("a-end")

    mq.subscribe("a", "g1", on_a)
    mq.subscribe("b", "g1", lambda m: order.append("b"))
    mq.publish("a", _msg())
    assert order == ["a-start", "b", "a-end"]


def test_fan_out_gives_each_group_its_own_copy(any_mq):
    any_mq.create_topic("t")
    seen = []

    def mutate(msg):
        msg.metadata["touched"] = True
        msg.unwrapped.values.append("x")

    def observe(msg):
        seen.append((dict(msg.metadata), list(msg.unwrapped.values)))

    any_mq.subscribe("t", "g1", mutate)
    any_mq.subscribe("t", "g2", observe)
    any_mq.publish("t", _msg(1))
    assert any_mq.drain(10)
    assert seen == [({}, ["1"])]


def test_copy_on_fanout_can_be_disabled():
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"copy_on_fanout": False}})
    mq.create_topic("t")
    got = []
    mq.subscribe("t", "g1", got.append)
    mq.subscribe("t", "g2", got.append)
    mq.publish("t", _msg())
    assert got[0] is got[1]


def test_save_messages_is_bounded():
    mq = MQ_FACTORY.construct(
        {"type": "LOCAL", "config": {"save_messages": True, "save_messages_limit": 3}}
    )
    mq.create_topic("t")
    for i in range(5):
        mq.publish("t", _msg(i))
    assert _ids(mq.messages["t"]) == ["2", "3", "4"]


def test_shutdown_drains_then_rejects():
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 2}})
    mq.create_topic("t")
    got = []

    def slow(msg):
        time.sleep(0.001)
        got.append(msg)

    mq.subscribe("t", "g", slow)
    for i in range(50):
        mq.publish("t", _msg(i))
    mq.shutdown()
    assert len(got) == 50
    with pytest.raises(MessageQueueClosedError):
        mq.publish("t", _msg())


def test_shutdown_sync_rejects(mq):
    mq.create_topic("t")
    mq.shutdown()
    with pytest.raises(MessageQueueClosedError):
        mq.publish("t", _msg())


def test_context_manager_shuts_down():
    with MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 1}}) as mq:
        mq.create_topic("t")
        got = []
        mq.subscribe("t", "g", got.append)
        mq.publish("t", _msg())
    assert len(got) == 1


def test_back_pressure_blocks_publisher_until_space():
    mq = MQ_FACTORY.construct(
        {"type": "LOCAL", "config": {"threads": 1, "max_pending": 2, "publish_timeout": 60}}
    )
    mq.create_topic("t")
    release = threading.Event()
    got = []

    def gated(msg):
        release.wait(30)
        got.append(msg)

    mq.subscribe("t", "g", gated)
    published = []

    def publisher():
        for i in range(6):
            mq.publish("t", _msg(i))
            published.append(i)

    thread = threading.Thread(target=publisher)
    thread.start()
    deadline = time.monotonic() + 10
    while len(published) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    thread.join(0.1)
    # two messages in flight (handled or queued) for the subscription: the third publish waits
    assert thread.is_alive()
    assert published == [0, 1]
    assert mq.pending == 2
    release.set()
    thread.join(30)
    assert mq.drain(30)
    assert len(got) == 6
    mq.shutdown()


def test_back_pressure_timeout():
    mq = MQ_FACTORY.construct(
        {"type": "LOCAL", "config": {"threads": 1, "max_pending": 1, "publish_timeout": 0.05}}
    )
    mq.create_topic("t")
    release = threading.Event()
    mq.subscribe("t", "g", lambda m: release.wait(30))
    mq.publish("t", _msg(0))
    with pytest.raises(MessageQueueFullError) as info:
        mq.publish("t", _msg(1))
    assert info.value.max_pending == 1 and info.value.topic == "t"
    release.set()
    mq.shutdown()


def test_handlers_may_publish_beyond_the_bound_without_deadlock():
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 1, "max_pending": 1}})
    mq.create_topic("t")
    got = []

    def fan(msg):
        got.append(msg)
        if msg.header.data_id == "0":
            for i in range(1, 10):
                mq.publish("t", _msg(i))

    mq.subscribe("t", "g", fan)
    mq.publish("t", _msg(0))
    assert mq.drain(10)
    assert len(got) == 10
    mq.shutdown()


def test_drain_from_worker_is_refused():
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 1}})
    mq.create_topic("t")
    errors = []

    def handler(msg):
        try:
            mq.drain()
        except RuntimeError as err:
            errors.append(err)

    mq.subscribe("t", "g", handler)
    mq.publish("t", _msg())
    assert mq.drain(10)
    assert len(errors) == 1
    mq.shutdown()


def test_concurrent_publishers_lose_nothing(any_mq):
    any_mq.create_topic("t")
    counts = {"a": [], "b": []}
    lock = threading.Lock()

    def make(bucket):
        def handler(msg):
            with lock:
                bucket.append(msg)

        return handler

    any_mq.subscribe("t", "g", make(counts["a"]))
    any_mq.subscribe("t", "g", make(counts["b"]))

    def publisher(base):
        for i in range(500):
            any_mq.publish("t", _msg(base + i))

    threads = [threading.Thread(target=publisher, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any_mq.drain(30)
    assert len(counts["a"]) + len(counts["b"]) == 2000
    assert abs(len(counts["a"]) - len(counts["b"])) <= 1


def test_subscriptions_introspection(mq):
    mq.create_topic("t")
    sid = mq.subscribe("t", "g", print, is_data_stream=True)
    (info,) = mq.subscriptions()
    assert (info.subscription_id, info.topic, info.group_id, info.is_data_stream) == (
        sid, "t", "g", True,
    )


def test_subscribe_validates(mq):
    with pytest.raises(TypeError):
        mq.subscribe("t", "g", "not callable")
    with pytest.raises(TypeError):
        mq.subscribe(1, "g", print)
    with pytest.raises(TypeError):
        mq.create_topic(None)
