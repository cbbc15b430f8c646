"""``LocalGroupStore`` (``type: LOCAL``): an in-process, versioned group store.

Every write is a real compare-and-set under one lock, with versions drawn from a store-wide
counter (so a version never repeats for a key, even after a delete). States are held by value:
immutable :class:`~caikit_compose.group_store.state.FrozenState` values, the ``TOMBSTONE`` (and
other immutable values such as str, bytes, numbers and tuples of them) are kept as they are;
anything else is deep-copied on the way in and on the way out.

Keys written with a ``ttl`` are dropped once idle that long: at the first garbage collection
after that (``gc_interval``), and at the latest one ``ttl`` later. Finding them looks only at
keys queued more than ``ttl`` ago, however many keys the store holds, and remembering a key's
``ttl`` allocates nothing (see :mod:`caikit_compose.group_store._expiry`).

Tombstones are held as plain tuples of untracked values, which Python's cycle collector stops
tracking: a store holding many of them does not slow down garbage collection.

Config (``{"type": "LOCAL", "config": {...}}``):

``gc_interval`` (default ``5`` seconds)
    How often, at most, a write also drops keys whose ``ttl`` passed.
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Any, Dict, List, Optional, Sequence

import alog
from caikit.core.exceptions import error_handler

from ._expiry import ExpiryQueues
from .base import ABSENT, DELETE, TOMBSTONE, GroupStoreBase, Versioned, Write
from .state import FrozenState

__all__ = ["LocalGroupStore"]

log = alog.use_channel("GSLOC")
error = error_handler.get(log)

_IMMUTABLE = (FrozenState, str, bytes, int, float, bool, type(None), frozenset)
_new_versioned = tuple.__new__
# How a tombstone is held: ``(_DEAD, version, updated_at)``, a plain tuple of untracked values,
# which Python's cycle collector stops tracking (a ``Versioned`` is a tuple subclass and stays
# tracked). A store may hold millions of tombstones; the collector must not walk them all.
_DEAD = "\x00caikit_compose.TOMBSTONE"
_monotonic = time.monotonic


class _Copied:
    """A mutable state held as a private deep copy."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _is_immutable(value: Any) -> bool:
    if isinstance(value, _IMMUTABLE) or value is TOMBSTONE:
        return True
    if value.__class__ is tuple:
        return all(_is_immutable(v) for v in value)
    return False


# Classes whose every instance is immutable (FrozenState subclasses, the sentinels, str, ...),
# learnt as they are seen: the check on the hot path is then one set lookup.
_ALWAYS_IMMUTABLE = {type(TOMBSTONE), str, bytes, int, float, bool, type(None), frozenset}


def _kept_as_is(value: Any) -> bool:
    cls = value.__class__
    if cls in _ALWAYS_IMMUTABLE:
        return True
    if isinstance(value, FrozenState):
        _ALWAYS_IMMUTABLE.add(cls)
        return True
    return _is_immutable(value)


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
        self._data: Dict[str, Versioned] = {}  # (a tombstone: a plain tuple, see _DEAD)
        self._expiry = ExpiryQueues()
        self._last_version = 0
        self._copies = 0  # how many states are held as private copies
        self._next_gc = time.monotonic() + self._gc_interval

    def now(self) -> float:
        """Monotonic seconds (the clock of ``updated_at``)."""
        return time.monotonic()

    # -- reads -----------------------------------------------------------------------------

    def get_versioned(self, key: str) -> Versioned:
        """The state under ``key`` and its version (:data:`ABSENT` when absent)."""
        entry = self._data.get(key, ABSENT)
        state = entry[0]
        if state is _DEAD:
            return _new_versioned(Versioned, (TOMBSTONE, entry[1], entry[2]))
        if state.__class__ is _Copied:
            return Versioned(copy.deepcopy(state.value), entry[1], entry[2])
        return entry

    def get_versioned_many(self, keys: Sequence[str]) -> List[Versioned]:
        """:meth:`get_versioned` of each key."""
        get = self._data.get
        entries = [get(key, ABSENT) for key in keys]
        for index, entry in enumerate(entries):
            state = entry[0]
            if state is _DEAD or state.__class__ is _Copied:
                entries[index] = self.get_versioned(keys[index])
        return entries

    def scan(self, prefix: str) -> List[str]:
        """The keys starting with ``prefix``."""
        with self._lock:
            return [key for key in self._data if key.startswith(prefix)]

    def __len__(self) -> int:
        return len(self._data)

    # -- writes ----------------------------------------------------------------------------

    def compare_and_set(
        self, key: str, state: Any, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Store ``state`` if ``key`` is still at ``version`` (see the base class)."""
        if state.__class__ not in _ALWAYS_IMMUTABLE and not _kept_as_is(state):
            state = _Copied(copy.deepcopy(state))
        with self._lock:
            now = _monotonic()
            written = self._set_locked(key, state, version, ttl, now)
            if now >= self._next_gc:
                self._collect(now)
        return written

    def compare_and_tombstone(
        self, key: str, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Replace ``key``'s state with ``TOMBSTONE`` if it is still at ``version``."""
        with self._lock:
            now = _monotonic()
            written = self._set_locked(key, TOMBSTONE, version, ttl, now)
            if now >= self._next_gc:
                self._collect(now)
        return written

    def compare_and_delete(self, key: str, version: int) -> bool:
        """Delete ``key`` if it is still at ``version``."""
        with self._lock:
            return self._delete_locked(key, version)

    def compare_and_set_many(self, writes: Sequence[Write]) -> List[bool]:
        """The writes one after the other under one acquisition of the lock (see the base
        class); each succeeds or fails on its own."""
        for write in writes:
            state = write[1]
            if state.__class__ not in _ALWAYS_IMMUTABLE and not _kept_as_is(state):
                writes = [
                    (key, state, version, ttl)
                    if state is DELETE or _kept_as_is(state)
                    else (key, _Copied(copy.deepcopy(state)), version, ttl)
                    for key, state, version, ttl in writes
                ]
                break
        results: List[bool] = []
        append = results.append
        data = self._data
        ttls = self._expiry.ttl
        with self._lock:
            now = _monotonic()
            for key, state, version, ttl in writes:
                current = data.get(key)
                if (0 if current is None else current[1]) != version:
                    append(False)
                elif (
                    state is DELETE
                    or state is TOMBSTONE
                    or self._copies
                    or state.__class__ is _Copied
                    or (ttl is None and ttls.get(key) is not None)
                    or (ttl is not None and ttls.get(key) != ttl)
                ):
                    append(
                        self._delete_locked(key, version)
                        if state is DELETE
                        else self._set_locked(key, state, version, ttl, now)
                    )
                else:  # the common case of _set_locked, inlined (COUNT_GROUPING's hot path)
                    self._last_version = new_version = self._last_version + 1
                    data[key] = _new_versioned(Versioned, (state, new_version, now))
                    append(True)
            if now >= self._next_gc:
                self._collect(now)
        return results

    def _set_locked(
        self, key: str, state: Any, version: int, ttl: Optional[float], now: float
    ) -> bool:
        data = self._data
        current = data.get(key)
        if (0 if current is None else current[1]) != version:
            return False
        self._last_version = new_version = self._last_version + 1
        if state is TOMBSTONE:  # a plain tuple: the garbage collector skips it (module doc)
            data[key] = (_DEAD, new_version, now)  # type: ignore[assignment]
        else:
            data[key] = _new_versioned(Versioned, (state, new_version, now))
        if self._copies or state.__class__ is _Copied:
            self._copies += (state.__class__ is _Copied) - (
                current is not None and current[0].__class__ is _Copied
            )
        expiry = self._expiry
        if ttl is not None:
            if expiry.ttl.get(key) != ttl:  # a rewrite with the same ttl stays put
                expiry.queue(key, ttl, now)
        elif expiry.ttl:
            expiry.forget(key)
        return True

    def _delete_locked(self, key: str, version: int) -> bool:
        data = self._data
        current = data.get(key)
        if current is None or current[1] != version:
            return False
        del data[key]
        if current[0].__class__ is _Copied:
            self._copies -= 1
        if self._expiry.ttl:
            self._expiry.forget(key)
        return True

    # -- garbage collection ----------------------------------------------------------------

    def _collect(self, now: float) -> None:
        """Drop keys idle past their ttl (called with the lock held)."""
        self._next_gc = now + self._gc_interval
        data = self._data
        idle = self._expiry.collect(now, lambda key: data[key][2])
        for key in idle:
            if data.pop(key)[0].__class__ is _Copied:
                self._copies -= 1
        if idle:
            log.debug("dropped %d group-store keys past their ttl", len(idle))
