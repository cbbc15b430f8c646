"""LOCAL group store: compare-and-set, versions, by-value storage, ttl, codec, 0.1.0 get/set."""
import threading

import pytest
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, GroupStoreBase, Message
from caikit_compose.errors import GroupStoreContentionError
from caikit_compose.group_store import ABSENT, DELETE, KEEP, codec
from caikit_compose.group_store.local import LocalGroupStore
from caikit_compose.grouping._states import PartialGroup, SeriesState, frame_key


def test_factory(gs):
    assert isinstance(gs, LocalGroupStore) and isinstance(gs, GroupStoreBase)
    assert gs.instance_name == "LOCAL"


def test_compare_and_set_and_delete(gs):
    assert gs.get_versioned("k") == ABSENT
    assert gs.compare_and_set("k", "a", 0)
    first = gs.get_versioned("k")
    assert first.state == "a" and first.version > 0
    assert not gs.compare_and_set("k", "b", 0)  # stale: the key exists now
    assert gs.compare_and_set("k", "b", first.version)
    assert not gs.compare_and_set("k", "c", first.version)  # stale version
    second = gs.get_versioned("k")
    assert not gs.compare_and_delete("k", first.version)
    assert gs.compare_and_delete("k", second.version)
    assert gs.get_versioned("k") == ABSENT
    assert not gs.compare_and_delete("k", second.version)


def test_versions_never_repeat_after_delete(gs):
    gs.compare_and_set("k", "a", 0)
    stale = gs.get_versioned("k")
    gs.compare_and_delete("k", stale.version)
    gs.compare_and_set("k", "again", 0)
    # a writer holding the old version must not win against the re-created key (ABA)
    assert not gs.compare_and_set("k", "stale write", stale.version)


def test_states_are_stored_by_value(gs):
    state = {"list": [1]}
    gs.compare_and_set("k", state, 0)
    state["list"].append(2)
    read = gs.get_versioned("k").state
    assert read == {"list": [1]}
    read["list"].append(3)
    assert gs.get_versioned("k").state == {"list": [1]}


def test_frozen_states_are_kept_as_is(gs):
    state = PartialGroup((Message.from_data(StrSequence([])),))
    gs.compare_and_set("k", state, 0)
    assert gs.get_versioned("k").state is state
    with pytest.raises(AttributeError):
        state.messages = ()


def test_update_retries_on_fresh_state(gs):
    gs.compare_and_set("n", 0, 0)
    calls = []

    def increment(current):
        calls.append(current.state)
        if len(calls) == 1:  # someone else wins the first race
            other = gs.get_versioned("n")
            assert gs.compare_and_set("n", other.state + 10, other.version)
        return current.state + 1, "done"

    assert gs.update("n", increment) == "done"
    assert calls == [0, 10]
    assert gs.get_versioned("n").state == 11
    assert gs.update("n", lambda cur: (KEEP, cur.state)) == 11
    assert gs.update("n", lambda cur: (DELETE, None)) is None
    assert gs.get_versioned("n") == ABSENT


def test_update_gives_up_with_a_clear_error(gs):
    class AlwaysLoses(LocalGroupStore):
        def compare_and_set(self, *args, **kwargs):
            return False

    store = AlwaysLoses()
    with pytest.raises(GroupStoreContentionError) as info:
        store.update("k", lambda cur: (1, None), max_attempts=3)
    assert isinstance(info.value, RuntimeError) and info.value.attempts == 3


def test_concurrent_increments_are_exact(gs):
    gs.compare_and_set("n", 0, 0)

    def work():
        for _ in range(2000):
            gs.update("n", lambda cur: (cur.state + 1, None))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gs.get_versioned("n").state == 8000


def test_reference_get_set_is_optimistic(gs):
    assert gs.get("g") is None
    assert gs.set("g", "one")
    assert gs.get("g") == "one"
    # another thread changes the key between this thread's get and set
    thread = threading.Thread(target=lambda: (gs.get("g"), gs.set("g", "other")))
    thread.start()
    thread.join()
    assert gs.set("g", "mine") is False
    assert gs.get("g") == "other"
    assert gs.set("g", "mine") is True
    assert gs.set("g", "blind write") is True  # a set without a get overwrites


def test_scan_and_delete(gs):
    for key in ("a/1", "a/2", "b/1"):
        gs.compare_and_set(key, key, 0)
    assert sorted(gs.scan("a/")) == ["a/1", "a/2"]
    assert gs.delete("a/1") and not gs.delete("a/1")
    assert len(gs) == 2


def test_ttl_garbage_collection():
    store = GROUP_STORE_FACTORY.construct({"type": "LOCAL", "config": {"gc_interval": 0.01}})
    store.compare_and_set("short", "x", 0, ttl=0.0)
    store.compare_and_set("forever", "y", 0)
    store._next_gc = 0  # make the next write collect
    store.compare_and_set("trigger", "z", 0)
    assert store.get_versioned("short") == ABSENT
    assert store.get_versioned("forever").state == "y"


@pytest.mark.parametrize("bad", [0, -1, "1"])
def test_bad_gc_interval(bad):
    with pytest.raises((TypeError, ValueError)):
        GROUP_STORE_FACTORY.construct({"type": "LOCAL", "config": {"gc_interval": bad}})


def test_codec_round_trips():
    a = Message.from_data(StrSequence(["a"]), data_id="d", metadata={"k": "v"})
    b = Message.from_data(StrSequence(["b"]), data_id="d")
    partial = PartialGroup((a, b))
    back = codec.decode(codec.encode(partial))
    assert isinstance(back, PartialGroup) and back.messages == (a, b)
    frames = ((a, b), b)  # a two-type frame, then a single-message frame
    series = SeriesState(frames, 2)
    back = codec.decode(codec.encode(series))
    assert back.frames == frames and back.skip == 2
    assert [frame_key(f) for f in back.frames] == [frame_key(f) for f in frames]
    obj = StrSequence(["x"])
    assert codec.decode(codec.encode(obj)) == obj
    assert codec.decode(codec.encode(None)) is None
    with pytest.raises(TypeError):
        codec.encode({"a": 1})
    with pytest.raises(ValueError):
        codec.decode(b"garbage")
    with pytest.raises(LookupError):
        codec.decode(b"Fnot.a.state\n")
