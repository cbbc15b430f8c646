"""``LocalGroupStore`` (``type: LOCAL``): an in-process, versioned group store.

Every write is a real compare-and-set under one lock, with versions drawn from a store-wide
counter (so a version never repeats for a key, even after a delete). States are held by value:
immutable :class:`~caikit_compose.group_store.state.FrozenState` values (and other immutable
values such as str, bytes, numbers and tuples of them) are kept as they are; anything else is
deep-copied on the way in and on the way out.

Config (``{"type": "LOCAL", "config": {...}}``):

``gc_interval`` (default ``5`` seconds)
    How often, at most, a write also drops keys whose ``ttl`` passed.
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Any, Dict, List, Optional

import alog
from caikit.core.exceptions import error_handler

from .base import ABSENT, GroupStoreBase, Versioned
from .state import FrozenState

__all__ = ["LocalGroupStore"]

log = alog.use_channel("GSLOC")
error = error_handler.get(log)

_IMMUTABLE = (str, bytes, int, float, bool, type(None), frozenset)


class _Copied:
    """A mutable state held as a private deep copy."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _is_immutable(value: Any) -> bool:
    if isinstance(value, (FrozenState, *_IMMUTABLE)):
        return True
    if value.__class__ is tuple:
        return all(_is_immutable(v) for v in value)
    return False


class LocalGroupStore(GroupStoreBase):
    """A dict of ``key -> Versioned`` guarded by one lock (see the module docstring)."""

    name = "LOCAL"

    def __init__(self, config: Any = None, instance_name: str = "LOCAL"):
        """
        Args:
            config: the ``config`` section (``gc_interval``)
            instance_name: the instance's name
        """
        self.instance_name = instance_name
        gc_interval = config.get("gc_interval") if config is not None else None
        if gc_interval is not None:
            error.type_check("<CMP21650413E>", int, float, gc_interval=gc_interval)
            error.value_check(
                "<CMP21650414E>", gc_interval > 0, f"gc_interval must be > 0, got {gc_interval!r}"
            )
        self._gc_interval = 5.0 if gc_interval is None else float(gc_interval)
        self._lock = threading.Lock()
        self._data: Dict[str, Versioned] = {}
        self._ttl: Dict[str, float] = {}
        self._last_version = 0
        self._next_gc = time.monotonic() + self._gc_interval

    def now(self) -> float:
        """Monotonic seconds (the clock of ``updated_at``)."""
        return time.monotonic()

    def get_versioned(self, key: str) -> Versioned:
        """The state under ``key`` and its version (:data:`ABSENT` when absent)."""
        entry = self._data.get(key, ABSENT)
        if entry.state.__class__ is _Copied:
            return Versioned(copy.deepcopy(entry.state.value), entry.version, entry.updated_at)
        return entry

    def compare_and_set(
        self, key: str, state: Any, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Store ``state`` if ``key`` is still at ``version`` (see the base class)."""
        if not _is_immutable(state):
            state = _Copied(copy.deepcopy(state))
        now = time.monotonic()
        with self._lock:
            current = self._data.get(key)
            if (0 if current is None else current.version) != version:
                return False
            self._last_version += 1
            self._data[key] = Versioned(state, self._last_version, now)
            if ttl is not None:
                self._ttl[key] = ttl
            elif self._ttl:
                self._ttl.pop(key, None)
            if now >= self._next_gc:
                self._collect(now)
        return True

    def compare_and_delete(self, key: str, version: int) -> bool:
        """Delete ``key`` if it is still at ``version``."""
        with self._lock:
            current = self._data.get(key)
            if current is None or current.version != version:
                return False
            del self._data[key]
            if self._ttl:
                self._ttl.pop(key, None)
        return True

    def scan(self, prefix: str) -> List[str]:
        """The keys starting with ``prefix``."""
        with self._lock:
            return [key for key in self._data if key.startswith(prefix)]

    def __len__(self) -> int:
        return len(self._data)

    def _collect(self, now: float) -> None:
        """Drop keys idle past their ttl (called with the lock held)."""
        self._next_gc = now + self._gc_interval
        expired = [
            key
            for key, ttl in self._ttl.items()
            if now - self._data[key].updated_at > ttl
        ]
        for key in expired:
            del self._data[key]
            del self._ttl[key]
        if expired:
            log.debug("dropped %d group-store keys past their ttl", len(expired))
