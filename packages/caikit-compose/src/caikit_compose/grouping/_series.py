"""COUNT_GROUPING's series window, for frames that carry no publish sequence.

Messages fed to a grouping directly (not delivered by a queue) have no ``publish_sequence``.
Their completed frames enter one window, kept in creation-time order (a late frame is inserted in
place), stored under ``<group id>/series`` as a
:class:`~caikit_compose.grouping._states.SeriesState`. When ``window_size`` frames are present
the window is emitted and the oldest ``window_stride`` frames leave it; a stride larger than the
window skips the ``stride - size`` frames that follow. Every change is one compare-and-set.
"""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any, List, Optional

from ..errors import GroupStoreContentionError
from ..group_store.base import DEFAULT_MAX_ATTEMPTS
from ..message import Message
from ._states import EMPTY_SERIES, SeriesState, frame_key

if TYPE_CHECKING:  # pragma: no cover
    from .count_grouping import CountGrouping

__all__ = ["SeriesWindows"]


class SeriesWindows:
    """The series window of one COUNT_GROUPING (see the module docstring)."""

    def __init__(self, grouping: CountGrouping):
        self._grouping = grouping
        self._store = grouping.group_store
        self.key = f"{grouping.group_id}/series"

    def push(self, frame: Any, key: int) -> Optional[Message]:
        """Insert a completed frame whose creation-time key is ``key`` (one compare-and-set);
        return the window message if the window is full."""
        grouping = self._grouping
        store = self._store
        size, stride = grouping.window_size, grouping.window_stride
        series_key = self.key
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
            if store.compare_and_set(
                series_key, new_state, current.version, ttl=grouping._store_ttl
            ):
                if skip:
                    grouping._count("skipped")
                return None if window is None else grouping._window_message(window)
        raise GroupStoreContentionError(series_key, DEFAULT_MAX_ATTEMPTS)

    def expire(self, now: float) -> List[Message]:
        """Expire an idle window tail (fewer than ``window_size`` frames)."""
        grouping = self._grouping
        store = self._store
        current = store.get_versioned(self.key)
        state = current.state
        if not isinstance(state, SeriesState) or now - current.updated_at < grouping.partial_ttl:
            return []
        if not store.compare_and_delete(self.key, current.version) or not state.frames:
            return []
        grouping._count("expired")
        if grouping.emit_partial:
            return [grouping._window_message(state.frames, "expired")]
        return []

    def pending_messages(self) -> List[Message]:
        """The messages of the frames retained in the window."""
        state = self._store.get_versioned(self.key).state
        if not isinstance(state, SeriesState):
            return []
        return [m for index in range(len(state.frames)) for m in state.frame_messages(index)]
