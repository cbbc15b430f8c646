"""Property tests: random interleavings against a simple model of the expected groups."""
import datetime

from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager
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


def key_model(events, required):
    """The expected KEY groups: per data_id, the first message of each required type in
    arrival order; duplicates while incomplete and foreign types are dropped."""
    partial, groups = {}, []
    for kind, data_id, seq in events:
        if kind not in required:
            continue
        element = partial.setdefault(data_id, [])
        if any(k == kind for k, _ in element):
            continue
        element.append((kind, seq))
        if len(element) == len(required):
            groups.append((str(data_id), tuple(element)))
            del partial[data_id]
    return groups, partial


events_strategy = st.lists(
    st.tuples(st.sampled_from(TYPES), st.integers(0, 6)), min_size=0, max_size=60
)


@SETTINGS
@given(
    events=events_strategy,
    required=st.sampled_from([["A"], ["A", "B"], ["A", "B", "C"], ["C", "A"]]),
    threads=st.sampled_from([0, 2]),
)
def test_key_grouping_matches_model(types, events, required, threads):
    events = [(kind, data_id, seq) for seq, (kind, data_id) in enumerate(events)]
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    for kind in TYPES:
        mq.create_topic(kind)
    got = []
    # one publishing topic so that arrival order is the event order in every mode
    mq.create_topic("all")
    mgr = SubscriptionManager("key", mq, gs, got.append, required, "KEY_GROUPING",
                              extra_topics=["all"])
    for topic in mgr.input_topics:
        mq.unsubscribe(next(s.subscription_id for s in mq.subscriptions() if s.topic == topic))
    for index, (kind, data_id, seq) in enumerate(events):
        mq.publish("all", _message(types, kind, data_id, index, seq))
    assert mq.drain(30)
    mq.shutdown()
    expected, partial = key_model(events, required)
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
def test_count_windows_are_chronological_whatever_the_arrival(types, order, size):
    """Out-of-order arrival: every window is sorted by creation time and every frame is
    counted once (n - size + 1 windows of exactly ``size`` frames)."""
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("A")
    got = []
    SubscriptionManager("count", mq, gs, got.append, "A", "COUNT_GROUPING", {"window_size": size})
    for i in order:
        mq.publish("A", _message(types, "A", i, i, i))
    assert len(got) == len(order) - size + 1
    for group in got:
        ids = [int(e.messages[0].header.data_id) for e in group.unwrapped.series]
        assert len(ids) == size and ids == sorted(ids)
