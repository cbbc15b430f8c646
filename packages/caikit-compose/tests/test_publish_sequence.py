"""The LOCAL queue numbers every topic's messages 1, 2, 3, ... in ``message.publish_sequence``."""
import threading

import pytest
from caikit_compose import MQ_FACTORY, Message


def test_each_topic_is_numbered_densely_from_one(any_mq, types):
    for topic in ("a", "b"):
        any_mq.create_topic(topic)
    got = {"a": [], "b": []}
    lock = threading.Lock()

    def collect(topic):
        def handle(msg):
            with lock:
                got[topic].append((msg.publish_sequence, msg.unwrapped.value))

        return handle

    any_mq.publish("a", Message.from_data(types.Number(value=-1)))  # nobody listens: numbered
    any_mq.subscribe("a", "g", collect("a"))
    any_mq.subscribe("b", "g", collect("b"))
    for i in range(5):
        any_mq.publish("a", Message.from_data(types.Number(value=i)))
    any_mq.publish("b", Message.from_data(types.Number(value=9)))
    assert any_mq.drain(10)
    assert sorted(got["a"]) == [(i + 2, i) for i in range(5)]
    assert got["b"] == [(1, 9)]


def test_every_group_sees_the_same_number(types):
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("t")
    seen = []
    for group in ("g1", "g2"):
        mq.subscribe("t", group, lambda msg: seen.append(msg.publish_sequence))
    mq.publish("t", Message.from_data(types.Number(value=1)))
    mq.publish("t", Message.from_data(types.Number(value=2)))
    assert seen == [1, 1, 2, 2]  # the second group gets a copy, with the number


@pytest.mark.parametrize("threads", [0, 2])
def test_publishing_one_object_again_numbers_each_delivery(types, threads):
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    mq.create_topic("t")
    gate = threading.Event()
    seen = []

    def slow(msg):
        gate.wait(5)
        seen.append(msg.publish_sequence)

    mq.subscribe("t", "g", slow)
    if not threads:
        gate.set()
    msg = Message.from_data(types.Number(value=1))
    for _ in range(3):
        mq.publish("t", msg)
    gate.set()
    assert mq.drain(10)
    mq.shutdown()
    # with the pool the first deliveries wait in the mailbox: each keeps its own number
    assert seen == [1, 2, 3]


def test_concurrent_publishers_never_share_a_number(types):
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("t")
    seen = []
    mq.subscribe("t", "g", lambda msg: seen.append(msg.publish_sequence))
    threads = [
        threading.Thread(
            target=lambda: [mq.publish("t", Message.from_data(types.Number(value=0))) for _ in range(500)]
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 2001))
