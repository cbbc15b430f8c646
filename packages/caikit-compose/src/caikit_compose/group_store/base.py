"""``GroupStoreBase``: versioned key/value storage for grouping state.

Groupings keep partial groups in a group store so that several replicas (threads, processes,
pods) of one subscription can share them. Every state transition a grouping makes is one
**compare-and-set** on one key, which is what makes groupings exact under concurrency:

1. ``current = store.get_versioned(key)`` gives the state *and its version* (0 = absent);
2. the grouping computes the next state from ``current.state`` without mutating it;
3. ``store.compare_and_set(key, new_state, current.version)`` stores it only if nobody changed
   the key in between; ``store.compare_and_delete(key, current.version)`` removes it likewise.
   A lost race returns False and the grouping starts again from step 1 on fresh state, so a
   message is never applied twice and never lost. :meth:`GroupStoreBase.update` runs that loop.

Implementing a store (e.g. Redis) means providing four atomic primitives:

``get_versioned(key) -> Versioned(state, version, updated_at)``
    ``Versioned(None, 0, 0.0)`` when the key is absent.
``compare_and_set(key, state, version, *, ttl=None) -> bool``
    Atomically: if the key's current version (0 when absent) equals ``version``, store
    ``state`` with a **new version that the key has never had before** (use a store-wide counter:
    a per-key counter that restarts after a delete would let a stale writer win, the ABA
    problem), set ``updated_at`` to ``now()``, and expire the key after ``ttl`` idle seconds if
    ``ttl`` is given. Return whether it was stored. (Redis: a Lua script or WATCH/MULTI over a
    hash holding state, version and time, plus ``PEXPIRE``.)
``compare_and_delete(key, version) -> bool``
    Atomically delete the key if its version equals ``version``.
``scan(prefix) -> list[str]``
    The keys that start with ``prefix`` (may be slightly stale; used for expiry sweeps and
    introspection, never for correctness).

and may provide a fifth, which has a default built on ``compare_and_set``:

``compare_and_tombstone(key, version, *, ttl=None) -> bool``
    Atomically: if the key is still at ``version`` (0: still absent), replace its state with
    :data:`TOMBSTONE` under a new version, exactly like ``compare_and_set(key, TOMBSTONE,
    version, ttl=ttl)``. A tombstone marks a key whose group **completed**: groupings write it
    instead of deleting the key, so that a late duplicate (a redelivered message, a replayed
    input) finds the tombstone and is dropped instead of starting the group again; a completed
    key is thus emitted at most once while its tombstone lives. ``get_versioned`` returns the
    :data:`TOMBSTONE` object itself as the state (compare with ``is``); a tombstone can be
    compare-and-set or compare-and-deleted like any state, and it expires after ``ttl`` idle
    seconds like any key. A store that serializes states writes it as the codec's tombstone
    bytes (:mod:`caikit_compose.group_store.codec`).

Two batch forms have defaults built on the single-key primitives; a store may answer them in
one round trip (REDIS: a pipeline) or one lock acquisition (LOCAL). They are **not**
transactions: every read and every write is atomic on its own, as if made one after the other.

``get_versioned_many(keys) -> list[Versioned]``
    ``get_versioned`` of each key.
``compare_and_set_many([(key, state, version, ttl), ...]) -> list[bool]``
    Each write as ``compare_and_set`` (``state`` :data:`TOMBSTONE`: as
    ``compare_and_tombstone``; ``state`` :data:`DELETE`: as ``compare_and_delete``, ``ttl``
    ignored), in order, each succeeding or failing on its own. COUNT_GROUPING adds a frame to
    all of its windows with one of each.

``ttl`` means: the store may drop the key once it has not been written for ``ttl`` seconds,
and should do so soon after (LOCAL: at its next garbage collection, at most ``gc_interval``
later; REDIS: ``PEXPIRE``). Groupings rely on it to forget tombstones and abandoned state.

States are stored **by value**: a state read back never aliases an object the writer still
holds, and mutating a state object after ``compare_and_set`` never changes the store. The
groupings' states are immutable :class:`~caikit_compose.group_store.state.FrozenState` values, so
an in-process store may keep them as they are; external stores serialize them with
:mod:`caikit_compose.group_store.codec`.

``now()`` is the clock behind ``updated_at`` (a distributed store should use one shared clock,
e.g. the Redis server's ``TIME``). The reference API's ``get``/``set`` pair is kept on top of
these primitives.
"""
from __future__ import annotations

import abc
import threading
import time
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple

from caikit.core.toolkit.factory import FactoryConstructible

from ..errors import GroupStoreContentionError

__all__ = ["ABSENT", "DELETE", "KEEP", "TOMBSTONE", "GroupStoreBase", "Versioned", "Write"]

#: How many lost races :meth:`GroupStoreBase.update` tolerates before giving up.
DEFAULT_MAX_ATTEMPTS = 10_000


class Versioned(NamedTuple):
    """A state with its version.

    Attributes:
        state: the stored state, or None when the key is absent
        version: the version to pass to compare-and-set / delete (0 when absent)
        updated_at: ``store.now()`` when the state was written (0.0 when absent)
    """

    state: Any
    version: int
    updated_at: float


#: What :meth:`GroupStoreBase.get_versioned` returns for an absent key.
ABSENT = Versioned(None, 0, 0.0)


class _Sentinel:
    """A named singleton; copies (``copy``, ``deepcopy``, pickle) are the object itself."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __copy__(self) -> _Sentinel:
        return self

    def __deepcopy__(self, memo: Any) -> _Sentinel:
        return self

    def __reduce__(self) -> str:
        return self.name


#: Returned by an :meth:`GroupStoreBase.update` transition to delete the key.
DELETE = _Sentinel("DELETE")
#: Returned by an :meth:`GroupStoreBase.update` transition to leave the key unchanged.
KEEP = _Sentinel("KEEP")
#: The state of a key whose group completed (see ``compare_and_tombstone`` in the module
#: docstring). Immutable; stores keep and return this very object.
TOMBSTONE = _Sentinel("TOMBSTONE")

Transition = Callable[[Versioned], Tuple[Any, Any]]
#: One write of :meth:`GroupStoreBase.compare_and_set_many`: ``(key, state, version, ttl)``.
Write = Tuple[str, Any, int, Optional[float]]


class GroupStoreBase(FactoryConstructible):
    """Versioned key/value store with compare-and-set (see the module docstring)."""

    # -- the primitives every store implements atomically ------------------------------------

    @abc.abstractmethod
    def get_versioned(self, key: str) -> Versioned:
        """The state stored under ``key`` with its version (:data:`ABSENT` if none)."""

    @abc.abstractmethod
    def compare_and_set(
        self, key: str, state: Any, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Store ``state`` if ``key`` is still at ``version`` (0: still absent).

        Args:
            key: the key
            state: the new state (stored by value)
            version: the version the caller read
            ttl: the key may be dropped after this many idle seconds (None: never)

        Returns:
            True if stored, False if another writer got there first
        """

    @abc.abstractmethod
    def compare_and_delete(self, key: str, version: int) -> bool:
        """Delete ``key`` if it is still at ``version``.

        Returns:
            True if deleted, False if it changed (or is absent)
        """

    @abc.abstractmethod
    def scan(self, prefix: str) -> List[str]:
        """The keys starting with ``prefix``."""

    def compare_and_tombstone(
        self, key: str, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Replace the state of ``key`` with :data:`TOMBSTONE` if it is still at ``version``
        (0: still absent); see the module docstring.

        The default is ``compare_and_set(key, TOMBSTONE, version, ttl=ttl)``; a store may
        override it with something cheaper (REDIS: a Lua script that sends no state).

        Args:
            key: the key
            version: the version the caller read (0: the key must be absent)
            ttl: the tombstone may be dropped after this many idle seconds (None: never)

        Returns:
            True if the tombstone was written, False if another writer got there first
        """
        return self.compare_and_set(key, TOMBSTONE, version, ttl=ttl)

    def get_versioned_many(self, keys: Sequence[str]) -> List[Versioned]:
        """:meth:`get_versioned` of each key, in order (each read atomic on its own, not one
        snapshot). A store may override it to answer in one round trip."""
        return [self.get_versioned(key) for key in keys]

    def compare_and_set_many(self, writes: Sequence[Write]) -> List[bool]:
        """Several independent writes, in order; whether each succeeded.

        Each ``(key, state, version, ttl)`` is a :meth:`compare_and_set`, a
        :meth:`compare_and_tombstone` when ``state`` is :data:`TOMBSTONE`, or a
        :meth:`compare_and_delete` when it is :data:`DELETE` (``ttl`` ignored). Not a
        transaction: each write is atomic and succeeds or fails on its own. A store may
        override it to apply them in one round trip.
        """
        results = []
        for key, state, version, ttl in writes:
            if state is DELETE:
                results.append(self.compare_and_delete(key, version))
            elif state is TOMBSTONE:
                results.append(self.compare_and_tombstone(key, version, ttl=ttl))
            else:
                results.append(self.compare_and_set(key, state, version, ttl=ttl))
        return results

    def now(self) -> float:
        """The clock ``updated_at`` is measured with (seconds)."""
        return time.time()

    # -- built on the primitives -------------------------------------------------------------

    def update(
        self,
        key: str,
        transition: Transition,
        *,
        ttl: Optional[float] = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Any:
        """Apply ``transition`` to ``key`` atomically, retrying on lost races.

        ``transition(current: Versioned) -> (new_state, result)`` must be a pure function of
        ``current`` (it may run several times). ``new_state`` may be :data:`KEEP` (no write) or
        :data:`DELETE`. The ``result`` of the attempt that won is returned.

        Raises:
            GroupStoreContentionError: ``max_attempts`` races were lost in a row
        """
        for _ in range(max_attempts):
            current = self.get_versioned(key)
            new_state, result = transition(current)
            if new_state is KEEP:
                return result
            if new_state is DELETE:
                if current.version == 0 or self.compare_and_delete(key, current.version):
                    return result
            elif self.compare_and_set(key, new_state, current.version, ttl=ttl):
                return result
        raise GroupStoreContentionError(key, max_attempts)

    def delete(self, key: str) -> bool:
        """Delete ``key`` whatever its version. Returns True if something was deleted."""
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            current = self.get_versioned(key)
            if current.version == 0:
                return False
            if self.compare_and_delete(key, current.version):
                return True
        raise GroupStoreContentionError(key, DEFAULT_MAX_ATTEMPTS)

    # -- the reference (0.1.0) interface ----------------------------------------------------

    def get(self, grouping_id: str) -> Any:
        """The state under ``grouping_id`` (None if absent).

        Remembers, for the calling thread, the version read, so that a following :meth:`set`
        from this thread is a compare-and-set against it.
        """
        current = self.get_versioned(grouping_id)
        self._read_versions()[grouping_id] = current.version
        return current.state

    def set(self, grouping_id: str, grouping_state: Any) -> bool:
        """Store ``grouping_state``; False if another writer changed the key since this
        thread's last :meth:`get` of it (the caller should ``get`` again and retry).

        A ``set`` without a preceding ``get`` overwrites unconditionally.
        """
        version = self._read_versions().pop(grouping_id, None)
        if version is not None:
            return self.compare_and_set(grouping_id, grouping_state, version)
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            current = self.get_versioned(grouping_id)
            if self.compare_and_set(grouping_id, grouping_state, current.version):
                return True
        raise GroupStoreContentionError(grouping_id, DEFAULT_MAX_ATTEMPTS)

    def _read_versions(self) -> dict:
        local = self.__dict__.get("_caikit_thread_reads")
        if local is None:
            local = self.__dict__.setdefault("_caikit_thread_reads", threading.local())
        versions = getattr(local, "versions", None)
        if versions is None:
            versions = local.versions = {}
        return versions
