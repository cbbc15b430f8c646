"""Property tests: random interleavings against a simple model of the expected groups."""
import datetime

from caikit_compose import (
    GROUP_STORE_FACTORY,
    GROUPING_FACTORY,
    MQ_FACTORY,
    Message,
    SubscriptionManager,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
TYPES = ["A", "B", "C"]
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _message(types, kind, data_id, index, seq):
    return Message.from_data(
        types.Text(text=f"{kind}{data_id}#{seq}"),
        data_id=str(data_id),
        content_type=kind,
        creation_time=T0 + datetime.timedelta(microseconds=index),
    )


def key_model(events, required, tombstones=True):
    """The expected KEY groups: per data_id, the first message of each required type in
    arrival order; duplicates while incomplete and foreign types are dropped; with tombstones
    a data_id that completed never forms a group again (without, it starts a new one)."""
    partial, groups, completed = {}, [], set()
    for kind, data_id, seq in events:
        if kind not in required or (tombstones and data_id in completed):
            continue
        element = partial.setdefault(data_id, [])
        if any(k == kind for k, _ in element):
            continue
        element.append((kind, seq))
        if len(element) == len(required):
            groups.append((str(data_id), tuple(element)))
            del partial[data_id]
            completed.add(data_id)
    return groups, partial


events_strategy = st.lists(
    st.tuples(st.sampled_from(TYPES), st.integers(0, 6)), min_size=0, max_size=60
)


@SETTINGS
@given(
    events=events_strategy,
    required=st.sampled_from([["A"], ["A", "B"], ["A", "B", "C"], ["C", "A"]]),
    threads=st.sampled_from([0, 2]),
    tombstones=st.booleans(),
)
def test_key_grouping_matches_model(types, events, required, threads, tombstones):
    events = [(kind, data_id, seq) for seq, (kind, data_id) in enumerate(events)]
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    for kind in TYPES:
        mq.create_topic(kind)
    got = []
    # one publishing topic so that arrival order is the event order in every mode
    mq.create_topic("all")
    config = {} if tombstones else {"tombstone_ttl": 0}
    mgr = SubscriptionManager("key", mq, gs, got.append, required, "KEY_GROUPING", config,
                              extra_topics=["all"])
    for topic in mgr.input_topics:
        mq.unsubscribe(next(s.subscription_id for s in mq.subscriptions() if s.topic == topic))
    for index, (kind, data_id, seq) in enumerate(events):
        mq.publish("all", _message(types, kind, data_id, index, seq))
    assert mq.drain(30)
    mq.shutdown()
    expected, partial = key_model(events, required, tombstones)
    actual = [
        (g.header.data_id, tuple((m.header.content_type, int(m.unwrapped.text.split("#")[1]))
                                 for m in g.unwrapped.messages))
        for g in got
    ]
    assert actual == expected
    pending = sorted(int(m.unwrapped.text.split("#")[1]) for m in mgr.get_state().pending_messages)
    assert pending == sorted(seq for element in partial.values() for _, seq in element)


@SETTINGS
@given(
    n=st.integers(0, 40),
    size=st.integers(1, 6),
    stride=st.integers(1, 8),
    threads=st.sampled_from([0, 1, 8]),
)
def test_count_grouping_matches_model(types, n, size, stride, threads):
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("A")
    got = []
    SubscriptionManager("count", mq, gs, got.append, "A", "COUNT_GROUPING",
                        {"window_size": size, "window_stride": stride})
    msgs = [_message(types, "A", i, i, i) for i in range(n)]
    for msg in msgs:
        mq.publish("A", msg)
    assert mq.drain(30)
    mq.shutdown()
    expected = [list(range(i, i + size)) for i in range(0, n - size + 1, stride)]
    actual = [[int(e.messages[0].header.data_id) for e in g.unwrapped.series] for g in got]
    assert actual == expected


@SETTINGS
@given(order=st.permutations(list(range(8))), size=st.integers(1, 4))
def test_count_series_windows_are_chronological_whatever_the_arrival(types, order, size):
    """Without publish sequences (messages fed to the grouping directly), out-of-order arrival:
    every window is sorted by creation time and every frame is counted once (n - size + 1
    windows of exactly ``size`` frames)."""
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    grouping = GROUPING_FACTORY.construct(
        {"type": "COUNT_GROUPING", "config": {"window_size": size}}, "count", gs, "A"
    )
    got = [grouping.add_message(_message(types, "A", i, i, i)) for i in order]
    got = [g for g in got if g is not None]
    assert len(got) == len(order) - size + 1
    for group in got:
        ids = [int(e.messages[0].header.data_id) for e in group.unwrapped.series]
        assert len(ids) == size and ids == sorted(ids)


def _numbered(types, sequence):
    msg = _message(types, "A", sequence, sequence, sequence)
    msg.publish_sequence = sequence
    return msg


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(0, 30),
    size=st.integers(1, 6),
    stride=st.integers(1, 7),
    replicas=st.integers(1, 3),
    tombstones=st.booleans(),
)
def test_count_windows_over_the_sequence_match_model(
    types, data, n, size, stride, replicas, tombstones
):
    """Frames 1..n (some lost, some delivered twice when tombstones are on) arrive in any order
    at up to three replicas sharing the store: exactly the windows whose frames all arrived
    are emitted, each once, whoever completes it; a second delivery is dropped."""
    lost = data.draw(st.sets(st.integers(1, max(n, 1))), label="lost")
    arrived = [q for q in range(1, n + 1) if q not in lost]
    twice = data.draw(st.sets(st.sampled_from(arrived)), label="twice") if tombstones and arrived else set()
    arrivals = data.draw(st.permutations(arrived + sorted(twice)), label="order")
    targets = data.draw(
        st.lists(st.integers(0, replicas - 1), min_size=len(arrivals), max_size=len(arrivals)),
        label="replica",
    )
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    config = {"window_size": size, "window_stride": stride}
    if not tombstones:
        config["tombstone_ttl"] = 0
    groupings = [
        GROUPING_FACTORY.construct({"type": "COUNT_GROUPING", "config": config}, "c", gs, "A")
        for _ in range(replicas)
    ]
    frames = {q: _numbered(types, q) for q in range(1, n + 1)}
    got = []
    for q, replica in zip(arrivals, targets):
        out = groupings[replica].add_message(frames[q])
        got += out if isinstance(out, list) else [] if out is None else [out]
    windows = [[m.publish_sequence for e in g.unwrapped.series for m in e.messages] for g in got]
    expected = [
        list(range(start, start + size))
        for start in range(1, n - size + 2, stride)
        if not lost.intersection(range(start, start + size))
    ]
    assert sorted(windows) == expected
    in_a_window = lambda q: _in_a_window(q, size, stride)  # noqa: E731
    stats = [g.stats for g in groupings]
    assert sum(s["skipped"] for s in stats) == sum(1 for q in arrivals if not in_a_window(q))
    dropped = sum(s["dropped_duplicate"] + s["dropped_completed"] for s in stats)
    assert dropped == sum(1 for q in twice if in_a_window(q))


def _in_a_window(sequence, size, stride):
    """Whether frame ``sequence`` is in some window (a stride beyond the size skips some)."""
    return (sequence - 1) % stride < size


@SETTINGS
@given(order=st.permutations(list(range(8))), size=st.integers(1, 4))
def test_count_windows_follow_the_publish_order(types, order, size):
    """Through a queue, windows are defined by the publish order, whatever the creation times
    of the messages."""
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("A")
    got = []
    SubscriptionManager("count", mq, gs, got.append, "A", "COUNT_GROUPING", {"window_size": size})
    for i in order:
        mq.publish("A", _message(types, "A", i, i, i))
    assert len(got) == len(order) - size + 1
    for start, group in enumerate(got):
        ids = [int(e.messages[0].header.data_id) for e in group.unwrapped.series]
        assert ids == list(order[start : start + size])
