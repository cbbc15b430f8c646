"""COUNT_GROUPING over the publish sequence: windows depend only on what was published."""
import pytest
from caikit_compose import GROUPING_FACTORY, Message, SubscriptionManager
from caikit_compose.grouping._states import WindowBlock


def count(gs, inputs="C", sub="c", **config):
    return GROUPING_FACTORY.construct({"type": "COUNT_GROUPING", "config": config}, sub, gs, inputs)


def frame(types, q, kind="C", data_id=None):
    msg = Message.from_data(
        types.Number(value=q), data_id=data_id or f"d{q}", content_type=kind, metadata={kind: q}
    )
    msg.publish_sequence = q
    return msg


def numbers(out):
    """The frames' sequence numbers of each window message in ``out`` (None, one, a list)."""
    out = [] if out is None else out if isinstance(out, list) else [out]
    return [[m.publish_sequence for e in w.unwrapped.series for m in e.messages] for w in out]


@pytest.mark.parametrize("size, stride", [(3, 1), (3, 2), (2, 2), (2, 3)])
def test_windows_through_the_queue(any_mq, gs, types, size, stride):
    any_mq.create_topic("C")
    got = []
    SubscriptionManager("w", any_mq, gs, got.append, "C", "COUNT_GROUPING",
                        {"window_size": size, "window_stride": stride})
    for i in range(10):
        any_mq.publish("C", Message.from_data(types.Number(value=i), data_id=f"d{i}", content_type="C"))
    assert any_mq.drain(10)
    windows = [[e.messages[0].unwrapped.value for e in g.unwrapped.series] for g in got]
    assert windows == [list(range(s, s + size)) for s in range(0, 10 - size + 1, stride)]
    assert [g.header.data_id for g in got] == [f"d{w[-1]}" for w in windows]


def test_a_late_frame_completes_every_window_it_was_missing_from(gs, types):
    grouping = count(gs, window_size=3)
    frames = {q: frame(types, q) for q in range(1, 7)}
    for q in (1, 2, 4, 5, 6):
        assert grouping.add_message(frames[q]) is None or q == 6
    out = grouping.add_message(frames[3])
    assert numbers(out) == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    last = out[-1]
    assert last.header.data_id == "d5" and last.metadata == {"C": 5}


def test_the_subscription_delivers_each_window_a_late_frame_completes(gs, mq, types):
    got = []
    manager = SubscriptionManager("w", mq, gs, got.append, "C", "COUNT_GROUPING", {"window_size": 2})
    for q in (1, 3, 2):
        manager.handle_message(frame(types, q))
    assert [numbers(g) for g in got] == [[[1, 2]], [[2, 3]]]


def test_a_lost_frame_affects_only_its_windows(gs, types):
    grouping = count(gs, window_size=3)
    out = [w for q in range(1, 11) if q != 5 for w in numbers(grouping.add_message(frame(types, q)))]
    assert out == [[1, 2, 3], [2, 3, 4], [6, 7, 8], [7, 8, 9], [8, 9, 10]]


def test_duplicates_and_completed_windows_drop_the_frame(gs, types):
    grouping = count(gs, window_size=2, window_stride=2)
    grouping.add_message(frame(types, 1))
    assert grouping.add_message(frame(types, 1)) is None
    assert grouping.stats["dropped_duplicate"] == 1
    assert numbers(grouping.add_message(frame(types, 2))) == [[1, 2]]
    for q in (1, 2):
        assert grouping.add_message(frame(types, q)) is None
    assert grouping.stats["dropped_completed"] == 2


def test_a_stride_beyond_the_window_skips_frames(gs, types):
    grouping = count(gs, window_size=2, window_stride=5)
    out = [w for q in range(1, 13) for w in numbers(grouping.add_message(frame(types, q)))]
    assert out == [[1, 2], [6, 7], [11, 12]]
    assert grouping.stats["skipped"] == 6
    # the block of windows 0-3 waits for window 3, but holds no frame the stride skipped
    (block,) = _states(gs)
    assert block.done == 0b111 and block.frames == ()


def test_several_types_take_the_anchors_sequence(gs, types):
    """Frames take the sequence of their first-type (anchor) message; the partners come on
    their own topic, in another order."""
    grouping = count(gs, ["A", "B"], window_size=2)
    windows = []
    for q, partner in ((1, 3), (2, 1), (3, 2)):
        for kind, number in (("A", q), ("B", partner)):
            out = grouping.add_message(frame(types, number, kind, data_id=f"k{q}"))
            if out is not None:
                windows.append([e.messages[0].header.data_id for e in out.unwrapped.series])
    assert windows == [["k1", "k2"], ["k2", "k3"]]


def test_a_subscription_that_starts_mid_stream_sees_partial_head_windows(gs, types):
    grouping = count(gs, window_size=3, partial_ttl=10, emit_partial=True)
    out = [w for q in range(101, 106) for w in numbers(grouping.add_message(frame(types, q)))]
    assert out == [[101, 102, 103], [102, 103, 104], [103, 104, 105]]
    expired = grouping.expire(gs.now() + 11)
    # open: the head windows 99-101 and 100-102 (the subscription never saw 99 and 100) and
    # the tail windows 104-106 and 105-107; each pair nests, and only the larger is delivered
    assert [numbers(e)[0] for e in expired] == [[101, 102], [104, 105]]
    assert all(e.metadata["caikit_compose"]["partial"] == "expired" for e in expired)
    assert grouping.stats["expired"] == 4
    assert grouping.get_pending_messages() == []


def test_close_flushes_or_drops_the_open_windows(gs, types):
    flush = count(gs, sub="f", window_size=3, on_close="flush")
    drop = count(gs, sub="d", window_size=3, on_close="drop")
    for grouping in (flush, drop):
        for q in (1, 2):
            grouping.add_message(frame(types, q))
        assert [m.publish_sequence for m in grouping.get_pending_messages()] == [1, 2]
    (tail,) = flush.close()
    assert numbers(tail) == [[1, 2]] and tail.metadata["caikit_compose"]["partial"] == "closed"
    assert drop.close() == [] and drop.stats["dropped_on_close"] == 2
    assert flush.get_pending_messages() == drop.get_pending_messages() == []


def test_state_stays_small_on_a_long_stream(gs, types):
    grouping = count(gs, window_size=5)
    emitted = sum(len(numbers(grouping.add_message(frame(types, q)))) for q in range(1, 1001))
    assert emitted == 996
    live = [s for s in _states(gs) if isinstance(s, WindowBlock)]
    assert len(live) <= 2 and all(len(block.frames) < 5 for block in live)
    assert len(gs) <= 1000 // 20 + 2  # one tombstone per block of 20 windows


def _states(gs):
    return [gs.get_versioned(key).state for key in gs.scan("")]
