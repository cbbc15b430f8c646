"""``COUNT_GROUPING``: sliding windows of consecutive frames.

A *frame* is one element (one message per type of ``grouping_input``, matched like
KEY_GROUPING; with a single type every message is a frame). Completed frames enter the window
in creation-time order. When ``window_size`` frames are present the window is emitted, then the
oldest ``window_stride`` frames leave it. A stride larger than the window skips the
``window_stride - window_size`` frames that follow each window.

Config: ``window_size`` (required, int > 0), ``window_stride`` (int > 0, default 1), plus the
shared compound-grouping options (``match_keys``, ``partial_ttl``, ``emit_partial``,
``on_close``; see :mod:`caikit_compose.grouping.compound_grouping_base`). An idle window tail
(fewer than ``window_size`` frames) expires after ``partial_ttl`` like a partial element, and
``on_close: flush`` emits it.

Output: body :class:`~caikit_compose.grouping.group_data.CompoundGroup` (``series`` of
``GroupElement`` frames, oldest first), ``content_type = "COUNT_GROUPING.<subscription_id>"``,
``data_id``/``roi_id`` of the newest message, metadata of all frames merged in creation order.
"""
from __future__ import annotations

import bisect
from typing import Any, List, Optional, Tuple

import alog
from caikit.core.exceptions import error_handler

from ..errors import GroupStoreContentionError
from ..group_store.base import DEFAULT_MAX_ATTEMPTS, GroupStoreBase
from ..message import Message
from ._states import EMPTY_SERIES, SeriesState, frame_key
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
    """Emits every ``window_size`` consecutive frames, sliding by ``window_stride``."""

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
        self._series_key = f"{self.group_id}/series"
        self._stats["skipped"] = 0

    def add_message(self, message: Message) -> Optional[Message]:
        """Add ``message``; return a window message when one completes."""
        if message.header.content_type not in self._required and self._is_foreign(message):
            return None
        if self._n_required == 1:
            # a single-type frame is the message itself (one allocation less per message)
            out = self._push_frame(message, message.header.sort_key)
        else:
            frame = self._add_to_element(message)
            out = None if frame is None else self._push_frame(frame, frame_key(frame))
        if self._next_sweep is not None:
            self._maybe_sweep()
        return out

    def _push_frame(self, frame: Any, key: int) -> Optional[Message]:
        """Insert a completed frame into the window (one compare-and-set)."""
        store = self.group_store
        size, stride = self.window_size, self.window_stride
        series_key = self._series_key
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            current = store.get_versioned(series_key)
            state = current.state or EMPTY_SERIES
            frames, skip = state
            window = None
            if skip:
                new_state = SeriesState(frames, skip - 1)
            else:
                if not frames or frame_key(frames[-1]) <= key:
                    frames = frames + (frame,)  # noqa: RUF005 (faster than unpacking)
                else:  # arrived out of creation order: keep the window chronological
                    at = bisect.bisect_right([frame_key(f) for f in frames], key)
                    frames = (*frames[:at], frame, *frames[at:])
                if len(frames) >= size:
                    window = frames[:size]
                    if stride <= size:
                        new_state = SeriesState(frames[stride:], 0)
                    else:
                        new_state = SeriesState(frames[size:], stride - size)
                else:
                    new_state = SeriesState(frames, 0)
            if store.compare_and_set(series_key, new_state, current.version, ttl=self._store_ttl):
                if skip:
                    with self._stats_lock:
                        self._stats["skipped"] += 1
                return None if window is None else self._window_message(window)
        raise GroupStoreContentionError(series_key, DEFAULT_MAX_ATTEMPTS)

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

    def _expire_extra(self, now: float) -> List[Message]:
        """Expire an idle window tail (fewer than ``window_size`` frames)."""
        store = self.group_store
        current = store.get_versioned(self._series_key)
        state = current.state
        if state is None or now - current.updated_at < self.partial_ttl:
            return []
        if not store.compare_and_delete(self._series_key, current.version):
            return []
        if not state.frames:
            return []
        with self._stats_lock:
            self._stats["expired"] += 1
        if self.emit_partial:
            return [self._window_message(state.frames, "expired")]
        return []

    def _state_keys(self) -> List[str]:
        return [*super()._state_keys(), self._series_key]

    def get_pending_messages(self) -> List[Message]:
        """Messages of incomplete frames, then of the frames retained in the window."""
        pending = super().get_pending_messages()
        state = self.group_store.get_versioned(self._series_key).state
        if isinstance(state, SeriesState):
            for index in range(len(state.frames)):
                pending.extend(state.frame_messages(index))
        return pending
