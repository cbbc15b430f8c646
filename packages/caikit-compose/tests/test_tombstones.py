"""Tombstones: a completed key is emitted at most once while its tombstone lives."""
import copy
import pickle
import time

import pytest
from caikit_compose import GROUP_STORE_FACTORY, GROUPING_FACTORY, Message
from caikit_compose.group_store import TOMBSTONE, codec
from caikit_compose.grouping.compound_grouping_base import DEFAULT_PARTIAL_TTL


def make(gs, inputs, sub="s", kind="KEY_GROUPING", **config):
    return GROUPING_FACTORY.construct({"type": kind, "config": config}, sub, gs, inputs)


def half(types, kind, data_id):
    obj = types.Text(text=data_id) if kind == "A" else types.Number(value=len(data_id))
    return Message.from_data(obj, data_id=data_id, content_type=kind)


def states(gs, prefix=""):
    return [gs.get_versioned(key).state for key in gs.scan(prefix)]


def test_the_tombstone_is_one_immutable_object():
    assert copy.copy(TOMBSTONE) is TOMBSTONE and copy.deepcopy(TOMBSTONE) is TOMBSTONE
    assert pickle.loads(pickle.dumps(TOMBSTONE)) is TOMBSTONE
    assert codec.decode(codec.encode(TOMBSTONE)) is TOMBSTONE


def test_a_completed_pair_is_emitted_once(gs, types):
    grouping = make(gs, ["A", "B"])
    grouping.add_message(half(types, "A", "k"))
    assert grouping.add_message(half(types, "B", "k")) is not None
    assert states(gs) == [TOMBSTONE]
    for kind in ("A", "B", "A"):  # redelivered or replayed
        assert grouping.add_message(half(types, kind, "k")) is None
    assert grouping.stats["dropped_completed"] == 3
    assert grouping.get_pending_messages() == []
    # other keys are unaffected, and replicas share the tombstones through the store
    replica = make(gs, ["A", "B"])
    assert replica.add_message(half(types, "A", "k")) is None
    replica.add_message(half(types, "A", "j"))
    assert grouping.add_message(half(types, "B", "j")).header.data_id == "j"


def test_without_tombstones_a_key_forms_again(gs, types):
    grouping = make(gs, ["A", "B"], tombstone_ttl=0)
    assert grouping.tombstone_ttl is None
    for _ in range(2):
        grouping.add_message(half(types, "A", "k"))
        assert grouping.add_message(half(types, "B", "k")) is not None
    assert states(gs) == []


def test_the_tombstone_expires_with_its_ttl(types):
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL", "config": {"gc_interval": 0.01}})
    grouping = make(gs, ["A", "B"], tombstone_ttl=0.05)
    grouping.add_message(half(types, "A", "k"))
    grouping.add_message(half(types, "B", "k"))
    time.sleep(0.1)
    grouping.add_message(half(types, "A", "other"))  # a write: the store collects
    assert grouping.add_message(half(types, "A", "k")) is None
    assert grouping.add_message(half(types, "B", "k")) is not None  # a new group


def test_tombstone_ttl_defaults_to_the_partial_ttl(gs):
    assert make(gs, ["A", "B"]).tombstone_ttl == DEFAULT_PARTIAL_TTL
    assert make(gs, ["A", "B"], partial_ttl=60).tombstone_ttl == 60
    assert make(gs, ["A", "B"], partial_ttl=0).tombstone_ttl == DEFAULT_PARTIAL_TTL
    assert make(gs, ["A", "B"], partial_ttl=60, tombstone_ttl=5).tombstone_ttl == 5
    for bad, error in (("long", TypeError), (-1, ValueError), (True, TypeError)):
        with pytest.raises(error):
            make(gs, ["A", "B"], tombstone_ttl=bad)


def test_the_store_drops_tombstones_after_tombstone_ttl(gs, types):
    grouping = make(gs, ["A", "B"], partial_ttl=100, tombstone_ttl=7)
    grouping.add_message(half(types, "A", "k"))
    grouping.add_message(half(types, "B", "k"))
    (key,) = gs.scan("")
    assert gs._expiry.ttl[key] == 7  # LOCAL's record of the ttl the grouping asked for


def test_expiry_and_close_leave_tombstones_alone(gs, types):
    grouping = make(gs, ["A", "B"], partial_ttl=10, emit_partial=True, on_close="flush")
    grouping.add_message(half(types, "A", "done"))
    grouping.add_message(half(types, "B", "done"))
    grouping.add_message(half(types, "A", "open"))
    (partial,) = grouping.expire(gs.now() + 11)
    assert partial.header.data_id == "open" and grouping.stats["expired"] == 1
    assert grouping.close() == []
    assert states(gs) == [TOMBSTONE]


def test_count_frames_keep_element_tombstones(gs, types):
    count = make(gs, ["A", "B"], kind="COUNT_GROUPING", window_size=1)
    count.add_message(half(types, "A", "k"))
    assert count.add_message(half(types, "B", "k")) is not None
    assert count.add_message(half(types, "B", "k")) is None
    assert count.stats["dropped_completed"] == 1
