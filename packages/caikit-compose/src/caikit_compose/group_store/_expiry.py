"""Which keys of an in-process store to drop once they have been idle for their ``ttl``.

A store may hold millions of keys with a ``ttl`` (tombstones of completed groups, for a while),
so finding the idle ones must not look at all of them, and remembering a key's ``ttl`` must not
allocate: every allocation of a tracked object brings Python's cycle collector closer to its
next pass.

Each ``ttl`` value has a queue (a deque) of keys, in the order they were queued, interleaved with
*markers*: float timestamps, a new one at most every ``ttl / 8`` seconds. A key is queued when
first written with a ``ttl`` (a rewrite with the same ``ttl`` leaves it where it is) and
remembers the marker it was queued under, so a key is two dict entries and one deque slot,
with no object of its own. A collection reads a queue from its oldest end, section by section,
only while the section's marker is older than ``ttl`` (keys behind a younger marker cannot have
been idle that long): it drops the keys whose last write is older than ``ttl``, queues again
those written since, and skips entries left over from a delete or a change of ``ttl`` (their key
remembers another marker). An idle key is therefore found at the first collection after its
``ttl`` ran out, or at the latest one ``ttl`` later.

Not thread-safe: the store calls it with its lock held.
"""
from __future__ import annotations

import collections
from typing import Any, Callable, Deque, Dict, List, Optional

__all__ = ["ExpiryQueues"]


class ExpiryQueues:
    """The keys with a ``ttl`` and their queues (see the module docstring).

    Attributes:
        ttl: ``key -> ttl`` of every key that has one (read it to skip :meth:`touch` when a
            rewrite keeps the key's ``ttl``)
    """

    def __init__(self) -> None:
        self.ttl: Dict[str, float] = {}
        self._mark: Dict[str, float] = {}  # key -> the marker it was queued under (by identity)
        self._queues: Dict[float, Deque[Any]] = {}  # ttl -> markers and keys, oldest first
        self._last_marker: Dict[float, float] = {}  # ttl -> its newest marker

    def touch(self, key: str, ttl: Optional[float], now: float) -> None:
        """``key`` was written with ``ttl`` (None: it has none now) at ``now``."""
        if ttl is None:
            self.forget(key)
        elif self.ttl.get(key) != ttl:
            self.queue(key, ttl, now)

    def forget(self, key: str) -> None:
        """``key`` was deleted (its queue entry is skipped when reached)."""
        if self.ttl.pop(key, None) is not None:
            del self._mark[key]

    def queue(self, key: str, ttl: float, now: float) -> None:
        """Queue ``key`` under ``ttl`` (it was written at ``now``; call only when its ttl
        changes: :meth:`touch` checks that)."""
        queue = self._queues.get(ttl)
        marker = self._last_marker.get(ttl)
        if queue is None:
            queue = self._queues[ttl] = collections.deque()
        if marker is None or now - marker > ttl / 8:
            marker = self._last_marker[ttl] = float(now)  # a float object of its own
            queue.append(marker)
        queue.append(key)
        self.ttl[key] = ttl
        self._mark[key] = marker

    def collect(self, now: float, written_at: Callable[[str], float]) -> List[str]:
        """The keys idle for longer than their ``ttl`` (forgotten here; the caller deletes
        them). ``written_at(key)`` is the time of the key's last write."""
        idle: List[str] = []
        for ttl, queue in list(self._queues.items()):
            section: Optional[float] = None
            fresh = []
            while queue:
                item = queue[0]
                if item.__class__ is float:
                    if now - item <= ttl:
                        break  # everything behind it was queued less than ttl ago
                    section = queue.popleft()
                    continue
                key = queue.popleft()
                if section is None or self._mark.get(key) is not section or self.ttl[key] != ttl:
                    continue  # left over from a delete or a change of ttl
                if now - written_at(key) > ttl:
                    idle.append(key)
                    del self.ttl[key], self._mark[key]
                else:
                    fresh.append(key)
            if not queue:
                del self._queues[ttl], self._last_marker[ttl]
            for key in fresh:
                self.queue(key, ttl, now)
        return idle
