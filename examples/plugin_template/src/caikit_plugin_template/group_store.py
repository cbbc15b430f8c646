"""``DICT``: a group store in a dictionary, with the four atomic primitives groupings need.

Config (``GROUP_STORE_FACTORY.construct({"type": "DICT", "config": {...}})``)::

    database: default    # stores built with the same name share their keys, as clients of one
                         # external store would (replicas of a subscription must share state)

The contract is in :mod:`caikit_compose.group_store.base` (checked by
``caikit_compose.testing.check_group_store``): ``get_versioned``, ``compare_and_set``,
``compare_and_delete`` and ``scan``, with versions from one store-wide counter so that a version
never comes back after a delete (no ABA), and states kept by value. A store outside the process
serializes states with :mod:`caikit_compose.group_store.codec` and makes each primitive one
atomic operation there (e.g. a Lua script in Redis).
"""
from __future__ import annotations

import copy
import itertools
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from caikit_compose.group_store import ABSENT, FrozenState, GroupStoreBase, Versioned

__all__ = ["DictGroupStore"]

# database name -> (lock, store-wide version counter, {key: (state, version, updated_at, expires_at)})
_DATABASES: Dict[str, Tuple[threading.Lock, Any, Dict[str, Tuple[Any, int, float, Optional[float]]]]] = {}
_DATABASES_LOCK = threading.Lock()


class DictGroupStore(GroupStoreBase):
    """Thread-safe; keys with a ``ttl`` disappear once idle for that long."""

    name = "DICT"

    def __init__(self, config: Any = None, instance_name: str = "DICT"):
        """
        Raises:
            TypeError: ``database`` is not a non-empty string
        """
        self.instance_name = instance_name
        database = (config or {}).get("database") or "default"
        if not isinstance(database, str):
            raise TypeError(f"group store {instance_name!r}: config.database must be a string, got {database!r}")
        with _DATABASES_LOCK:
            shared = _DATABASES.setdefault(database, (threading.Lock(), itertools.count(1), {}))
        self._lock, self._versions, self._data = shared

    @staticmethod
    def _by_value(state: Any) -> Any:
        # immutable FrozenState values can be kept as they are; anything else is copied
        return state if isinstance(state, FrozenState) else copy.deepcopy(state)

    def _current(self, key: str) -> Optional[Tuple[Any, int, float, Optional[float]]]:
        entry = self._data.get(key)
        if entry is not None and entry[3] is not None and entry[3] <= self.now():
            del self._data[key]
            return None
        return entry

    def get_versioned(self, key: str) -> Versioned:
        with self._lock:
            entry = self._current(key)
        if entry is None:
            return ABSENT
        return Versioned(self._by_value(entry[0]), entry[1], entry[2])

    def compare_and_set(self, key: str, state: Any, version: int, *, ttl: Optional[float] = None) -> bool:
        stored = self._by_value(state)
        with self._lock:
            entry = self._current(key)
            if (entry[1] if entry is not None else 0) != version:
                return False
            now = self.now()
            self._data[key] = (stored, next(self._versions), now, now + ttl if ttl else None)
            return True

    def compare_and_delete(self, key: str, version: int) -> bool:
        with self._lock:
            entry = self._current(key)
            if entry is None or entry[1] != version:
                return False
            del self._data[key]
            return True

    def scan(self, prefix: str) -> List[str]:
        with self._lock:
            return [key for key in list(self._data) if key.startswith(prefix) and self._current(key)]

    def now(self) -> float:
        return time.time()
