"""``COUNT_GROUPING``: windows of consecutive frames, defined over the publish sequence.

A *frame* is one element (one message per type of ``grouping_input``, matched like
KEY_GROUPING; with a single type every message is a frame).

**Windows over the publish sequence.** Every message a queue delivers carries its topic's
``publish_sequence`` (1, 2, 3, ...). Frame ``q`` (``p = q - 1``) belongs to the windows ``k``
with ``k * window_stride <= p < k * window_stride + window_size``: window ``k`` holds the frames
published at positions ``[k * stride, k * stride + size)``. A stride larger than the window
skips the frames between windows (``stats["skipped"]``). Windows collect their frames in any
order in the group store, in blocks of consecutive windows (``COUNT_GROUPING/<subscription_id>
/b/<block>``, see :mod:`caikit_compose.grouping._windows`), and the compare-and-set that adds a
window's last frame marks it done and emits it: exactly once, in whichever replica or process
completed it. Windows therefore depend only on what was published, never on arrival order, so
one process, N worker threads and N processes sharing a REDIS queue and store produce the same
windows. A lost frame affects only the windows that
contain it (they stay partial and expire); later windows complete normally. A frame that
arrives again (same sequence) is dropped (``dropped_duplicate``, or ``dropped_completed`` when
its windows already completed).

With several input types, a frame takes the publish sequence of its member of the **first**
type in ``grouping_input`` (the anchor): windows count anchor messages, and every anchor message
is expected to complete a frame (a window containing an anchor whose partners never arrive stays
partial until ``partial_ttl``).

A subscription that joins a topic mid-stream starts at the topic's current sequence: the
windows that began before its first frame cannot complete and expire after ``partial_ttl``
(emitted as partial with ``emit_partial``).

**Messages without a sequence** (fed to the grouping directly, not through a queue) keep the
series behaviour: completed frames enter one window in creation-time order, the window is
emitted when ``window_size`` frames are present, then the oldest ``window_stride`` frames
leave it.

Config: ``window_size`` (required, int > 0), ``window_stride`` (int > 0, default 1), plus the
shared compound-grouping options (``match_keys``, ``partial_ttl``, ``emit_partial``,
``on_close``, ``tombstone_ttl``; see :mod:`caikit_compose.grouping.compound_grouping_base`).
An idle partial window expires after ``partial_ttl`` like a partial element (``expired``
counts each), and ``on_close: flush`` delivers the partial windows. Partial windows nest at
the ends of a stream (``[9, 10]`` inside ``[8, 9, 10]``), so expiry with ``emit_partial`` and
``flush`` deliver only those not contained in another partial window of the same sweep.

Output: body :class:`~caikit_compose.grouping.group_data.CompoundGroup` (``series`` of
``GroupElement`` frames, in sequence order, or in creation order without sequences),
``content_type = "COUNT_GROUPING.<subscription_id>"``, ``data_id``/``roi_id`` of the last
frame's newest message, metadata of all frames merged in creation order.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

import alog
from caikit.core.exceptions import error_handler

from ..group_store.base import GroupStoreBase
from ..message import Message
from ._series import SeriesWindows
from ._states import SeriesState, frame_key
from ._windows import SequenceWindows
from .compound_grouping_base import CompoundGroupingBase
from .group_data import CompoundGroup, make_window, newest

__all__ = ["CountGrouping"]

log = alog.use_channel("GPCNT")
error = error_handler.get(log)


def _positive_int(config: Any, key: str, default: Optional[int]) -> int:
    value = config.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        error.log_raise(
            "<CMP61554013E>", TypeError(f"COUNT_GROUPING {key} must be an int, got {value!r}")
        )
    error.value_check("<CMP61554014E>", value > 0, f"{key} must be > 0, got {value!r}")
    return value


class CountGrouping(CompoundGroupingBase):
    """Emits windows of ``window_size`` consecutive frames, every ``window_stride`` frames."""

    name = "COUNT_GROUPING"

    def __init__(
        self,
        config: Any,
        subscription_id: str,
        group_store: GroupStoreBase,
        grouping_input: List[str],
    ):
        """
        Raises:
            TypeError: ``window_size`` missing or not an int, ``window_stride`` not an int
            ValueError: either is not positive
        """
        super().__init__(config, subscription_id, group_store, grouping_input)
        self.window_size = _positive_int(self.config, "window_size", None)
        self.window_stride = _positive_int(self.config, "window_stride", 1)
        self._anchor = self.grouping_input[0]
        self._stats["skipped"] = 0
        self._windows = SequenceWindows(self)
        self._series = SeriesWindows(self)

    def add_message(self, message: Message) -> Optional[Union[Message, List[Message]]]:
        """Add ``message``; return the window message(s) it completes (a list when a late
        frame completes several windows at once), or None."""
        if message.header.content_type not in self._required and self._is_foreign(message):
            return None
        out: Optional[Union[Message, List[Message]]]
        if self._n_required == 1:
            # a single-type frame is the message itself (one allocation less per message)
            sequence = message.publish_sequence
            if sequence is None:
                out = self._series.push(message, message.header.sort_key)
            else:
                out = self._windows.add(message, sequence, message)
        else:
            frame = self._add_to_element(message)
            out = None if frame is None else self._add_frame(frame)
        if self._next_sweep is not None:
            self._maybe_sweep()
        return out

    def _add_frame(self, frame: Tuple[Message, ...]) -> Optional[Union[Message, List[Message]]]:
        anchor = self._anchor
        for member in frame:
            if member.header.content_type == anchor:
                sequence = member.publish_sequence
                if sequence is not None:
                    return self._windows.add(frame, sequence, member)
                break
        return self._series.push(frame, frame_key(frame))

    # -- output --------------------------------------------------------------------------------

    def _count(self, counter: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[counter] += amount

    def _window_message(self, frames: Tuple[Any, ...], partial: Optional[str] = None) -> Message:
        last = frames[-1]
        if last.__class__ is tuple:
            trigger = newest(last)
            members: Any = (m for frame in frames for m in frame)
        else:
            trigger = last
            members = frames
        return self._group_message(
            make_window, frames, CompoundGroup.full_name, members, trigger, partial
        )

    def _partial_message(self, state: Any, reason: str) -> Optional[Message]:
        if isinstance(state, SeriesState):
            if not state.frames:
                return None
            return self._window_message(state.frames, reason)
        return super()._partial_message(state, reason)

    # -- expiry, close, introspection ----------------------------------------------------------

    def _expire_extra(self, now: float) -> List[Message]:
        """Expire idle partial windows and an idle series tail."""
        return self._windows.expire(now) + self._series.expire(now)

    def _state_keys(self) -> List[str]:
        return [*super()._state_keys(), self._series.key]

    def close(self) -> List[Message]:
        """Apply ``on_close`` to partial elements, partial windows and the series tail; with
        ``flush``, partial windows nested in a larger one are not delivered again."""
        out = super().close()
        if self.on_close != "keep":
            out += self._windows.close(self.on_close == "flush")
        return out

    def get_pending_messages(self) -> List[Message]:
        """Messages of incomplete frames, then of the frames held by partial windows (each
        once, in sequence order), then of the frames retained in the series."""
        return [
            *super().get_pending_messages(),
            *self._windows.pending_messages(),
            *self._series.pending_messages(),
        ]
