"""Exactness under every dispatch mode: the acceptance numbers of the project.

* 15,000 interleaved pairs give exactly 15,000 KEY groups, each the right pair;
* 30,000 messages give exactly 29,996 contiguous COUNT windows of size 5 (w=5, s=1);

in synchronous mode and with 1, 2 and 8 worker threads, and also when two replicas of the
subscription (sharing the group store) race on a threaded queue or several publishers race on a
synchronous one.
"""
import gc
import threading

import pytest
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager
from caikit_compose.group_store import TOMBSTONE

PAIRS = 15_000
COUNT_MESSAGES = 30_000
WINDOW = 5

MODES = [0, 1, 2, 8]


@pytest.fixture(autouse=True)
def _no_cyclic_gc():
    # These tests keep ~10^6 objects alive; full cyclic collections would dominate their
    # run time without finding anything (nothing here makes cycles). Speed only.
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def _queue(threads):
    return MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})


class Collector:
    """A thread-safe callback that keeps what it receives."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    def __call__(self, msg):
        with self.lock:
            self.messages.append(msg)


def _pairs(types, n):
    # interleaved: A0 A1 B0 A2 B1 A3 B2 ... so most keys are partial while others complete
    a = [Message.from_data(types.Text(text=str(i)), data_id=str(i)) for i in range(n)]
    b = [Message.from_data(types.Number(value=i), data_id=str(i)) for i in range(n)]
    order = []
    for i in range(n):
        order.append((types.Text.full_name, a[i]))
        if i:
            order.append((types.Number.full_name, b[i - 1]))
    order.append((types.Number.full_name, b[-1]))
    return order


def _check_key_groups(groups, n):
    assert len(groups) == n
    ids = set()
    for group in groups:
        data_id = group.header.data_id
        messages = group.unwrapped.messages
        assert len(messages) == 2
        assert {m.header.data_id for m in messages} == {data_id}
        # with worker threads the two topics are separate mailboxes: either may arrive first
        by_type = {type(m.unwrapped).__name__: m.unwrapped for m in messages}
        assert by_type["Text"].text == data_id
        assert by_type["Number"].value == int(data_id)
        ids.add(data_id)
    assert len(ids) == n


def _run_key(types, mq, replicas, publishers=1):
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    inputs = [types.Text.full_name, types.Number.full_name]
    for topic in inputs:
        mq.create_topic(topic)
    outs = [Collector() for _ in range(replicas)]
    for out in outs:
        SubscriptionManager("key", mq, gs, out, inputs, "KEY_GROUPING")
    order = _pairs(types, PAIRS)
    if publishers == 1:
        for topic, msg in order:
            mq.publish(topic, msg)
    else:
        threads = [
            threading.Thread(
                target=lambda part: [mq.publish(t, m) for t, m in part],
                args=(order[k::publishers],),
            )
            for k in range(publishers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert mq.drain(60)
    mq.shutdown()
    assert mq.handler_errors == 0
    # nothing left partial: one tombstone per completed key
    assert len(gs) == PAIRS
    assert all(gs.get_versioned(key).state is TOMBSTONE for key in gs.scan(""))
    return [m for out in outs for m in out.messages], [len(out.messages) for out in outs]


def _check_windows(windows, n, contiguous=True):
    """Every window holds WINDOW frames contiguous in the publish sequence, each window once
    (and, with ``contiguous``, contiguous values: published in value order)."""
    assert len(windows) == n - WINDOW + 1
    starts, first_sequences = [], []
    for window in windows:
        frames = [e.messages[0] for e in window.unwrapped.series]
        values = [m.unwrapped.value for m in frames]
        sequences = [m.publish_sequence for m in frames]
        assert len(values) == WINDOW
        assert sequences == list(range(sequences[0], sequences[0] + WINDOW))
        first_sequences.append(sequences[0])
        if contiguous:
            assert values == list(range(values[0], values[0] + WINDOW))
        starts.append(values[0])
    assert sorted(first_sequences) == list(range(1, n - WINDOW + 2))
    if contiguous:
        assert sorted(starts) == list(range(n - WINDOW + 1))


def _run_count(types, mq, replicas, publishers=1):
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    topic = types.Number.full_name
    mq.create_topic(topic)
    out = Collector()
    for _ in range(replicas):
        SubscriptionManager("count", mq, gs, out, topic, "COUNT_GROUPING", {"window_size": WINDOW})
    msgs = [Message.from_data(types.Number(value=i)) for i in range(COUNT_MESSAGES)]
    if publishers == 1:
        for msg in msgs:
            mq.publish(topic, msg)
    else:
        chunks = [msgs[k::publishers] for k in range(publishers)]
        threads = [
            threading.Thread(target=lambda part: [mq.publish(topic, m) for m in part], args=(c,))
            for c in chunks
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert mq.drain(60)
    mq.shutdown()
    assert mq.handler_errors == 0
    return out.messages


@pytest.mark.parametrize("threads", MODES, ids=lambda t: f"threads={t}")
def test_key_groups_are_exact(types, threads):
    groups, _ = _run_key(types, _queue(threads), replicas=1)
    _check_key_groups(groups, PAIRS)


@pytest.mark.parametrize("threads", MODES, ids=lambda t: f"threads={t}")
def test_count_windows_are_exact_and_contiguous(types, threads):
    windows = _run_count(types, _queue(threads), replicas=1)
    _check_windows(windows, COUNT_MESSAGES)


def test_key_replicas_racing_on_worker_threads(types):
    groups, per_replica = _run_key(types, _queue(8), replicas=2)
    _check_key_groups(groups, PAIRS)
    assert all(per_replica)  # both replicas completed some of the groups


def test_key_concurrent_publishers_in_sync_mode(types):
    groups, _ = _run_key(types, _queue(0), replicas=1, publishers=4)
    _check_key_groups(groups, PAIRS)


def test_count_replicas_racing_on_worker_threads(types):
    # replicas see the stream in two interleaved halves, in any relative order: windows are
    # defined over the publish sequence, so they are still exactly the contiguous ones
    windows = _run_count(types, _queue(8), replicas=2)
    _check_windows(windows, COUNT_MESSAGES)


def test_count_concurrent_publishers_in_sync_mode(types):
    # four publishers interleave their values; windows follow the publish sequence
    windows = _run_count(types, _queue(0), replicas=1, publishers=4)
    _check_windows(windows, COUNT_MESSAGES, contiguous=False)
