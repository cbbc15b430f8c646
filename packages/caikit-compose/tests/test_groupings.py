"""Groupings: INDIVIDUAL, KEY_GROUPING and COUNT_GROUPING semantics, drops, expiry, close."""
import datetime
import logging

import aconfig
import pytest
from caikit_compose import GROUPING_FACTORY, GroupingBase, Message
from caikit_compose.group_store import TOMBSTONE
from caikit_compose.grouping.count_grouping import CountGrouping
from caikit_compose.grouping.group_data import CompoundGroup, GroupElement
from caikit_compose.grouping.individual_grouping import IndividualGrouping
from caikit_compose.grouping.key_grouping import KeyGrouping

T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def make(gs, kind, inputs, sub="s1", **config):
    return GROUPING_FACTORY.construct(
        {"type": kind, "config": config}, subscription_id=sub, group_store=gs,
        grouping_input=inputs,
    )


@pytest.fixture
def pair(types):
    text_t, num_t = types.Text.full_name, types.Number.full_name

    def _pair(i, data_id=None, t=None, **kw):
        data_id = str(i) if data_id is None else data_id
        times = {} if t is None else {"creation_time": _at(t)}
        return (
            Message.from_data(types.Text(text=f"t{i}"), data_id=data_id, **times, **kw),
            Message.from_data(types.Number(value=i), data_id=data_id, **times, **kw),
        )

    _pair.types = [text_t, num_t]
    return _pair


# -- INDIVIDUAL ------------------------------------------------------------------------------


def test_individual_passes_messages_through(gs, types):
    grouping = make(gs, "INDIVIDUAL", "anything")
    msg = Message.from_data(types.Text(text="x"))
    assert isinstance(grouping, IndividualGrouping) and isinstance(grouping, GroupingBase)
    assert grouping.add_message(msg) is msg
    assert grouping.get_pending_messages() == []
    assert grouping.close() == []
    assert IndividualGrouping().add_message(msg) is msg


# -- KEY_GROUPING ----------------------------------------------------------------------------


def test_key_emits_when_every_type_arrived(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types)
    assert isinstance(grouping, KeyGrouping)
    text, num = pair(1, metadata={"a": 1, "shared": {"x": 1}})
    num.metadata = {"b": 2, "shared": {"y": 2}}
    assert grouping.add_message(num) is None
    assert len(grouping.get_pending_messages()) == 1
    out = grouping.add_message(text)
    assert out.header.content_type == "KEY_GROUPING.s1"
    assert out.header.data_id == "1"
    assert out.metadata == {"a": 1, "b": 2, "shared": {"x": 1, "y": 2}}
    element = out.unwrapped
    assert isinstance(element, GroupElement)
    assert element.messages == [num, text]  # arrival order
    assert element.get(text.header.content_type) is text
    assert grouping.get_pending_messages() == []
    assert [gs.get_versioned(key).state for key in gs.scan("")] == [TOMBSTONE]
    # the output survives the wire like any message
    back = Message.from_binary_buffer(out.to_binary_buffer())
    assert back == out and back.unwrapped.messages[1].unwrapped.text == "t1"


def test_key_inputs_metadata_not_mutated(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types)
    text, num = pair(1)
    text.metadata = {"n": {"x": 1}}
    num.metadata = {"n": {"y": 1}}
    grouping.add_message(text)
    out = grouping.add_message(num)
    assert out.metadata == {"n": {"x": 1, "y": 1}}
    assert text.metadata == {"n": {"x": 1}}


def test_key_interleaved(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types)
    pairs = [pair(i) for i in range(5)]
    outs = [grouping.add_message(p[0]) for p in pairs]
    outs += [grouping.add_message(p[1]) for p in reversed(pairs)]
    done = [o.header.data_id for o in outs if o is not None]
    assert done == ["4", "3", "2", "1", "0"]


def test_key_duplicates_are_dropped_and_never_wedge(gs, pair, caplog):
    grouping = make(gs, "KEY_GROUPING", pair.types)
    text, num = pair(1)
    dup, _ = pair(1)
    assert grouping.add_message(text) is None
    with caplog.at_level(logging.WARNING):
        assert grouping.add_message(dup) is None
    assert "already has one" in caplog.text and dup.header.uid in caplog.text
    out = grouping.add_message(num)
    assert out.unwrapped.messages == [text, num]
    assert grouping.stats["dropped_duplicate"] == 1
    # and the subscription keeps working
    t2, n2 = pair(2)
    grouping.add_message(t2)
    assert grouping.add_message(n2).header.data_id == "2"


def test_key_foreign_types_are_dropped(gs, pair, types):
    grouping = make(gs, "KEY_GROUPING", pair.types)
    text, num = pair(1)
    foreign = Message.from_data(types.Words(words=[]), data_id="1")
    grouping.add_message(text)
    assert grouping.add_message(foreign) is None
    assert grouping.add_message(num).unwrapped.messages == [text, num]
    assert grouping.stats["dropped_foreign"] == 1


def test_key_single_type_emits_immediately(gs, types):
    grouping = make(gs, "KEY_GROUPING", [types.Text.full_name])
    out = grouping.add_message(Message.from_data(types.Text(text="x"), data_id="d"))
    assert out.header.data_id == "d" and len(out.unwrapped.messages) == 1
    assert [gs.get_versioned(key).state for key in gs.scan("")] == [TOMBSTONE]
    # the key completed: the same key again is dropped
    assert grouping.add_message(Message.from_data(types.Text(text="y"), data_id="d")) is None
    assert grouping.stats["dropped_completed"] == 1
    untombed = make(gs, "KEY_GROUPING", [types.Text.full_name], sub="s2", tombstone_ttl=0)
    for _ in range(2):
        assert untombed.add_message(Message.from_data(types.Text(text="x"), data_id="d"))
    assert gs.scan("KEY_GROUPING/s2") == []


@pytest.mark.parametrize("spelling", ["match_keys", "element_match_keys"])
def test_key_match_keys_both_spellings(gs, pair, spelling):
    grouping = make(gs, "KEY_GROUPING", pair.types, **{spelling: ["metadata.k"]})
    assert grouping.match_keys == ["metadata.k"]
    text, _ = pair(1, metadata={"k": "same"})
    _, num = pair(2, metadata={"k": "same"})
    grouping.add_message(text)
    out = grouping.add_message(num)
    assert out is not None
    assert out.header.data_id == num.header.data_id  # the newest member's


def test_key_match_key_spellings_must_agree(gs, pair):
    with pytest.raises(ValueError, match="disagree"):
        make(gs, "KEY_GROUPING", pair.types, match_keys=["a"], element_match_keys=["b"])
    grouping = make(gs, "KEY_GROUPING", pair.types, match_keys="metadata.k",
                    element_match_keys=["metadata.k"])
    assert grouping.match_keys == ["metadata.k"]
    with pytest.raises(TypeError):
        make(gs, "KEY_GROUPING", pair.types, match_keys=[1])
    with pytest.raises(ValueError):
        make(gs, "KEY_GROUPING", pair.types, match_keys=[])


def test_key_several_match_keys(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types, match_keys=["header.data_id", "header.roi_id"])
    text, num = pair(1, roi_id=1)
    _, other_roi = pair(1, roi_id=2)
    grouping.add_message(text)
    assert grouping.add_message(other_roi) is None
    assert grouping.add_message(num).header.roi_id == 1


def test_grouping_input_validation(gs):
    with pytest.raises(TypeError):
        make(gs, "KEY_GROUPING", [1])
    with pytest.raises(ValueError):
        make(gs, "KEY_GROUPING", [])
    with pytest.raises(TypeError):
        make(gs, "KEY_GROUPING", 5)


def test_replicas_share_state_through_the_store(gs, pair):
    first = make(gs, "KEY_GROUPING", pair.types, sub="shared")
    second = make(gs, "KEY_GROUPING", pair.types, sub="shared")
    text, num = pair(1)
    assert first.add_message(text) is None
    assert second.add_message(num) is not None


# -- COUNT_GROUPING --------------------------------------------------------------------------


def _numbers(types, n, **kw):
    return [
        Message.from_data(types.Number(value=i), data_id=f"d{i}", creation_time=_at(i),
                          metadata={"i": i}, **kw)
        for i in range(n)
    ]


def _values(out):
    return [e.messages[0].unwrapped.value for e in out.unwrapped.series]


def _windows(grouping, messages):
    return [_values(o) for o in (grouping.add_message(m) for m in messages) if o is not None]


def test_count_sliding_windows(gs, types):
    grouping = make(gs, "COUNT_GROUPING", types.Number.full_name, window_size=3)
    assert isinstance(grouping, CountGrouping)
    msgs = _numbers(types, 6)
    outs = [grouping.add_message(m) for m in msgs]
    windows = [o for o in outs if o is not None]
    assert [_values(o) for o in windows] == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    last = windows[-1]
    assert last.header.content_type == "COUNT_GROUPING.s1"
    assert last.header.data_id == "d5"
    assert last.metadata == {"i": 5}
    assert isinstance(last.unwrapped, CompoundGroup)
    assert last.unwrapped.trigger_message is msgs[5]
    assert [m.header.data_id for m in grouping.get_pending_messages()] == ["d4", "d5"]


def test_count_tumbling_and_skipping(gs, types):
    tumbling = make(gs, "COUNT_GROUPING", types.Number.full_name, sub="a", window_size=2,
                    window_stride=2)
    assert _windows(tumbling, _numbers(types, 5)) == [[0, 1], [2, 3]]
    skipping = make(gs, "COUNT_GROUPING", types.Number.full_name, sub="b", window_size=2,
                    window_stride=5)
    assert _windows(skipping, _numbers(types, 12)) == [[0, 1], [5, 6], [10, 11]]
    assert skipping.stats["skipped"] == 6


def test_count_windows_are_chronological(gs, types):
    grouping = make(gs, "COUNT_GROUPING", types.Number.full_name, window_size=3)
    msgs = _numbers(types, 4)
    order = [msgs[1], msgs[0], msgs[2], msgs[3]]
    assert _windows(grouping, order) == [[0, 1, 2], [1, 2, 3]]


def test_count_multi_type_frames(gs, pair):
    grouping = make(gs, "COUNT_GROUPING", pair.types, window_size=2)
    outs = []
    for i in range(3):
        text, num = pair(i, t=i)
        outs += [grouping.add_message(num), grouping.add_message(text)]
    windows = [o for o in outs if o is not None]
    assert len(windows) == 2
    assert [[m.header.data_id for m in e.messages] for e in windows[0].unwrapped.series] == [
        ["0", "0"], ["1", "1"],
    ]


@pytest.mark.parametrize(
    "config, error",
    [({}, TypeError), ({"window_size": None}, TypeError), ({"window_size": 0}, ValueError),
     ({"window_size": 2.0}, TypeError), ({"window_size": 2, "window_stride": 0}, ValueError),
     ({"window_size": True}, TypeError)],
)
def test_count_config_validation(gs, types, config, error):
    with pytest.raises(error):
        make(gs, "COUNT_GROUPING", types.Number.full_name, **config)


# -- expiry and close ------------------------------------------------------------------------


def test_partial_groups_expire_and_can_be_emitted(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types, partial_ttl=10, emit_partial=True)
    text, _ = pair(1, metadata={"m": 1})
    grouping.add_message(text)
    assert grouping.expire(gs.now() + 5) == []
    (partial,) = grouping.expire(gs.now() + 11)
    assert partial.metadata == {"m": 1, "caikit_compose": {"partial": "expired"}}
    assert partial.unwrapped.messages == [text]
    assert grouping.stats["expired"] == 1
    assert grouping.get_pending_messages() == [] and len(gs) == 0
    assert grouping.expire(gs.now() + 100) == []  # expires exactly once


def test_expiry_without_emission_counts(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types, partial_ttl=10)
    grouping.add_message(pair(1)[0])
    assert grouping.expire(gs.now() + 11) == []
    assert grouping.stats["expired"] == 1


def test_sweeps_happen_during_add_message(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types, partial_ttl=0.001, emit_partial=True)
    grouping.add_message(pair(1)[0])
    import time

    time.sleep(0.01)
    grouping.add_message(pair(2)[0])
    assert grouping.has_expired
    (partial,) = grouping.take_expired()
    assert partial.header.data_id == "1"
    assert not grouping.has_expired


def test_partial_ttl_zero_never_expires(gs, pair):
    grouping = make(gs, "KEY_GROUPING", pair.types, partial_ttl=0)
    grouping.add_message(pair(1)[0])
    assert grouping.expire(gs.now() + 1e9) == []
    assert len(grouping.get_pending_messages()) == 1


def test_count_tail_expires(gs, types):
    grouping = make(gs, "COUNT_GROUPING", types.Number.full_name, window_size=3,
                    partial_ttl=10, emit_partial=True)
    for msg in _numbers(types, 2):
        grouping.add_message(msg)
    (tail,) = grouping.expire(gs.now() + 11)
    assert _values(tail) == [0, 1]
    assert tail.metadata["caikit_compose"] == {"partial": "expired"}
    assert grouping.get_pending_messages() == []


def test_close_modes(gs, pair, types):
    keep = make(gs, "KEY_GROUPING", pair.types, sub="keep")
    keep.add_message(pair(1)[0])
    assert keep.close() == [] and len(keep.get_pending_messages()) == 1

    drop = make(gs, "KEY_GROUPING", pair.types, sub="drop", on_close="drop")
    drop.add_message(pair(1)[0])
    assert drop.close() == [] and drop.get_pending_messages() == []
    assert drop.stats["dropped_on_close"] == 1

    flush = make(gs, "COUNT_GROUPING", types.Number.full_name, sub="flush", window_size=3,
                 on_close="flush")
    for msg in _numbers(types, 2):
        flush.add_message(msg)
    (tail,) = flush.close()
    assert _values(tail) == [0, 1] and tail.metadata["caikit_compose"]["partial"] == "closed"

    with pytest.raises(ValueError):
        make(gs, "KEY_GROUPING", pair.types, sub="x", on_close="explode")
    with pytest.raises(TypeError):
        make(gs, "KEY_GROUPING", pair.types, sub="x", partial_ttl="long")


def test_config_may_be_aconfig(gs, pair):
    grouping = GROUPING_FACTORY.construct(
        {"type": "KEY_GROUPING", "config": aconfig.Config({"match_keys": ["metadata.k"]})},
        "s", gs, pair.types,
    )
    assert grouping.match_keys == ["metadata.k"]
