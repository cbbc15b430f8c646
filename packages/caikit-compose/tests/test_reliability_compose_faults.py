"""Faults in handlers of the LOCAL message queue: one group's handler that raises or hangs does
not stop the other groups.

* A handler that raises (always, or now and then) is logged and counted; every other group
  still receives every message, in order, synchronously and on the worker pool, and nothing
  reaches the publisher.
* A handler that hangs (worker pool; synchronous handlers run in the publisher's thread, so a
  hang there stops that publisher by design) holds one worker and fills its own mailbox. With
  ``publish_timeout`` set, publishing to the stuck group fails with ``MessageQueueFullError``
  while every other group still gets every message, without each publish waiting for the
  timeout again; when the handler returns, its group catches up and publishing is clean again.
* A grouping actor whose callback raises for some groups still completes the others.
"""
from __future__ import annotations

import threading
import time
from typing import List

import pytest
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager
from caikit_compose.errors import MessageQueueFullError

COUNT = 2000


def _queue(threads: int, **config):
    return MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads, **config}})


def _message(index: int) -> Message:
    return Message.from_data(StrSequence([str(index)]), data_id=str(index))


def _index(message: Message) -> int:
    return int(message.unwrapped.values[0])


@pytest.mark.parametrize("threads", [0, 4], ids=["synchronous", "pool"])
def test_a_raising_handler_does_not_stop_other_groups(threads):
    mq = _queue(threads)
    mq.create_topic("t")
    good: List[int] = []
    flaky_calls: List[int] = []

    def bad(message):
        raise RuntimeError("this handler always fails")

    def flaky(message):
        flaky_calls.append(_index(message))
        if _index(message) % 3 == 0:
            raise ValueError("every third message fails")

    mq.subscribe("t", "bad", bad)
    mq.subscribe("t", "flaky", flaky)
    mq.subscribe("t", "good", lambda m: good.append(_index(m)))
    for index in range(COUNT):
        mq.publish("t", _message(index))  # never raises
    assert mq.drain(timeout=60)
    assert good == list(range(COUNT))
    assert flaky_calls == list(range(COUNT))
    assert mq.handler_errors == COUNT + len(range(0, COUNT, 3))
    mq.shutdown()


@pytest.mark.parametrize("stuck_first", [True, False], ids=["stuck group first", "stuck group last"])
def test_a_hanging_handler_does_not_stop_other_groups(stuck_first):
    max_pending = 20
    mq = _queue(4, max_pending=max_pending, publish_timeout=0.2)
    mq.create_topic("t")
    release = threading.Event()
    stuck_got: List[int] = []
    good: List[int] = []
    other: List[int] = []

    def stuck(message):
        release.wait(120)
        stuck_got.append(_index(message))

    subscribe_stuck = lambda: mq.subscribe("t", "stuck", stuck)  # noqa: E731
    if stuck_first:
        subscribe_stuck()
    mq.subscribe("t", "good", lambda m: good.append(_index(m)))
    mq.subscribe("t", "other", lambda m: other.append(_index(m)))
    if not stuck_first:
        subscribe_stuck()

    refused = 0
    began = time.monotonic()
    for index in range(500):
        try:
            mq.publish("t", _message(index))
        except MessageQueueFullError as err:
            assert err.topic == "t"
            refused += 1
    took = time.monotonic() - began
    deadline = time.monotonic() + 30
    while len(good) < 500 or len(other) < 500:
        assert time.monotonic() < deadline, (len(good), len(other))
        time.sleep(0.01)
    assert good == list(range(500)) and other == list(range(500))
    # the stuck group's mailbox is full: the rest was refused, and quickly (not one publish
    # timeout per message)
    assert refused == 500 - (max_pending + 1) or refused == 500 - max_pending, refused
    assert took < 10, f"publishing 500 messages took {took:.1f} s"

    release.set()
    assert mq.drain(timeout=30)
    assert stuck_got == sorted(stuck_got) and len(stuck_got) == 500 - refused
    for index in range(500, 510):
        mq.publish("t", _message(index))  # clean again
    assert mq.drain(timeout=30)
    assert stuck_got[-10:] == list(range(500, 510))
    assert good[-10:] == list(range(500, 510))
    mq.shutdown()


def test_hanging_handlers_leave_the_other_workers_serving():
    threads = 4
    mq = _queue(threads, max_pending=10, publish_timeout=0.2)
    release = threading.Event()
    for stuck_topic in ("s1", "s2", "s3"):  # three of the four workers will hang
        mq.create_topic(stuck_topic)
        mq.subscribe(stuck_topic, "g", lambda m: release.wait(120))
        mq.publish(stuck_topic, _message(0))
    mq.create_topic("t")
    good: List[int] = []
    mq.subscribe("t", "good", lambda m: good.append(_index(m)))
    for index in range(1000):
        mq.publish("t", _message(index))
    deadline = time.monotonic() + 30
    while len(good) < 1000:
        assert time.monotonic() < deadline, len(good)
        time.sleep(0.01)
    assert good == list(range(1000))
    release.set()
    mq.shutdown()


def test_a_grouping_actor_that_raises_for_some_groups_completes_the_others():
    from caikit.interfaces.common.data_model import IntSequence

    mq = _queue(2)
    store = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    a, b = StrSequence.full_name, IntSequence.full_name
    for topic in (a, b):
        mq.create_topic(topic)
    completed: List[str] = []

    def actor(message: Message) -> None:
        if int(message.header.data_id) % 5 == 0:
            raise RuntimeError("the actor fails for this key")
        completed.append(message.header.data_id)

    SubscriptionManager("keyed", mq, store, actor, [a, b], "KEY_GROUPING")
    for index in range(500):
        mq.publish(a, Message.from_data(StrSequence([str(index)]), data_id=str(index)))
        mq.publish(b, Message.from_data(IntSequence([index]), data_id=str(index)))
    assert mq.drain(timeout=60)
    assert sorted(int(i) for i in completed) == [i for i in range(500) if i % 5]
    mq.shutdown()
