"""``RedisGroupStore`` (``type: REDIS``): grouping state shared by every process through Redis.

It implements the four primitives of :class:`~caikit_compose.group_store.GroupStoreBase`, each
one atomic across processes:

* ``get_versioned``: one ``HMGET`` of the key's hash (state bytes, version, write time);
* ``compare_and_set`` / ``compare_and_delete`` / ``compare_and_tombstone``: one Lua script
  each, which checks the version and writes (or deletes, or writes the tombstone ``T`` without
  sending any state) in a single step. Versions come from a per-grouping counter seeded from
  the server clock, so a version never repeats for a key;
* ``get_versioned_many`` / ``compare_and_set_many``: those, pipelined in one round trip
  (COUNT_GROUPING reads and writes all blocks of a frame's windows at once);
* ``scan``: ``SCAN MATCH`` over the store's keys (used for expiry sweeps and introspection).

All keys of one grouping (``<NAME>/<subscription_id>/...``) share a hash tag, so they live in one
hash slot and the scripts also run on Redis Cluster.

States travel as the bytes :mod:`caikit_compose.group_store.codec` defines (written faster by
:mod:`caikit_compose_redis._state_codec`): protobuf of the grouping's ``@dataobject`` state,
whose type is resolved by name through registries of classes already defined in the process.
Nothing is ever unpickled.

Every key expires after it has been idle for the ``ttl`` the grouping passes (its partial-group
lifetime), or for the store's ``ttl_s`` when it passes none, so abandoned state never piles up.
``now()`` is the Redis server's clock (estimated locally from one ``TIME`` reading, refreshed
every minute), the clock ``updated_at`` is written with.

Config: see :mod:`caikit_compose_redis._settings`.
"""
from __future__ import annotations

import threading
import time
from typing import Any, List, Optional, Sequence

import alog
from caikit_compose.group_store import ABSENT, DELETE, TOMBSTONE, GroupStoreBase, Versioned
from caikit_compose.group_store.base import Write

from ._connection import CONNECTION_ERRORS, close_client, connect, is_cluster, translate_error
from ._keys import StoreKeys
from ._raw import ClientCaller, RawCaller, Script
from ._scripts import COMPARE_AND_DELETE, COMPARE_AND_SET, COMPARE_AND_TOMBSTONE
from ._settings import RedisSettings
from ._state_codec import decode, encode

__all__ = ["RedisGroupStore"]

log = alog.use_channel("GSRDS")

_CLOCK_REFRESH_S = 60.0


class RedisGroupStore(GroupStoreBase):
    """Versioned key/value store on Redis (see the module docstring).

    Attributes:
        instance_name: the name given by the factory
        settings: the validated config
    """

    name = "REDIS"

    def __init__(self, config: Any = None, instance_name: str = "REDIS"):
        """Connect and check the connection.

        Args:
            config: the ``config`` section (see :mod:`caikit_compose_redis._settings`)
            instance_name: the instance's name

        Raises:
            RedisConfigError: an option is invalid
            RedisUnavailableError: Redis cannot be reached at ``url``
            RedisAuthenticationError: Redis refused the credentials
        """
        self.instance_name = instance_name
        self.settings = RedisSettings.from_config(config)
        self._keys = StoreKeys(self.settings.namespace)
        self._client = connect(self.settings)
        self._raw = (
            ClientCaller(self._client) if is_cluster(self._client) else RawCaller(self.settings)
        )
        self._cas = Script(COMPARE_AND_SET)
        self._cad = Script(COMPARE_AND_DELETE)
        self._tombstone = Script(COMPARE_AND_TOMBSTONE)
        self._default_ttl_ms = int(self.settings.ttl_s * 1000)
        self._clock_lock = threading.Lock()
        self._clock_offset = 0.0
        self._clock_read_at = float("-inf")
        self._sync_clock()

    # -- clock ---------------------------------------------------------------------------------

    def _sync_clock(self) -> None:
        before = time.time()
        seconds, micros = self._call(self._client.time)
        after = time.time()
        self._clock_offset = seconds + micros / 1e6 - (before + after) / 2
        self._clock_read_at = time.monotonic()

    def now(self) -> float:
        """The Redis server's clock in seconds (the clock of ``updated_at``)."""
        if time.monotonic() - self._clock_read_at > _CLOCK_REFRESH_S:
            with self._clock_lock:
                if time.monotonic() - self._clock_read_at > _CLOCK_REFRESH_S:
                    try:
                        self._sync_clock()
                    except ConnectionError:
                        self._clock_read_at = time.monotonic()  # keep the last offset
        return time.time() + self._clock_offset

    # -- primitives ----------------------------------------------------------------------------

    def _call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CONNECTION_ERRORS as err:
            raise translate_error(self.settings, err) from err

    def get_versioned(self, key: str) -> Versioned:
        """The state under ``key`` with its version (``ABSENT`` when absent).

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        return _versioned(
            self._call(self._raw.call, "HMGET", self._keys.redis_key(key), "s", "v", "t")
        )

    def get_versioned_many(self, keys: Sequence[str]) -> List[Versioned]:
        """:meth:`get_versioned` of each key, in one round trip.

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        if len(keys) == 1:
            return [self.get_versioned(keys[0])]
        redis_key = self._keys.redis_key
        replies = self._call(
            self._raw.pipeline, [("HMGET", redis_key(key), "s", "v", "t") for key in keys]
        )
        return [_versioned(_raised(reply)) for reply in replies]

    def compare_and_set(
        self, key: str, state: Any, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Store ``state`` if ``key`` is still at ``version`` (0: still absent).

        Args:
            key: the key
            state: a ``FrozenState``, ``@dataobject`` or None
            version: the version the caller read
            ttl: drop the key after this many idle seconds (default: the store's ``ttl_s``)

        Returns:
            True if stored, False if another writer got there first

        Raises:
            TypeError: the state cannot be serialized
            RedisUnavailableError: Redis cannot be reached
        """
        new_version = self._call(
            self._raw.script,
            self._cas,
            (self._keys.redis_key(key), self._keys.version_counter(key)),
            (version, encode(state), self._ttl_ms(ttl)),
        )
        return bool(new_version)

    def compare_and_tombstone(
        self, key: str, version: int, *, ttl: Optional[float] = None
    ) -> bool:
        """Replace the state of ``key`` with ``TOMBSTONE`` if it is still at ``version`` (0:
        still absent); one script that sends no state.

        Args:
            key: the key
            version: the version the caller read
            ttl: drop the tombstone after this many idle seconds (default: the store's
                ``ttl_s``)

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        return bool(
            self._call(
                self._raw.script,
                self._tombstone,
                (self._keys.redis_key(key), self._keys.version_counter(key)),
                (version, self._ttl_ms(ttl)),
            )
        )

    def compare_and_set_many(self, writes: Sequence[Write]) -> List[bool]:
        """Several independent compare-and-sets (``TOMBSTONE``: compare-and-tombstone,
        ``DELETE``: compare-and-delete) in one round trip; whether each was applied.

        Raises:
            TypeError: a state cannot be serialized
            RedisUnavailableError: Redis cannot be reached
        """
        keys = self._keys
        calls = []
        for key, state, version, ttl in writes:
            redis_key = keys.redis_key(key)
            if state is DELETE:
                calls.append((self._cad, (redis_key,), (version,)))
            elif state is TOMBSTONE:
                calls.append(
                    (self._tombstone, (redis_key, keys.version_counter(key)), (version, self._ttl_ms(ttl)))
                )
            else:
                calls.append(
                    (
                        self._cas,
                        (redis_key, keys.version_counter(key)),
                        (version, encode(state), self._ttl_ms(ttl)),
                    )
                )
        return [bool(_raised(reply)) for reply in self._call(self._raw.scripts, calls)]

    def _ttl_ms(self, ttl: Optional[float]) -> int:
        return self._default_ttl_ms if ttl is None else max(1, int(ttl * 1000))

    def compare_and_delete(self, key: str, version: int) -> bool:
        """Delete ``key`` if it is still at ``version``.

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        return bool(
            self._call(self._raw.script, self._cad, (self._keys.redis_key(key),), (version,))
        )

    def scan(self, prefix: str) -> List[str]:
        """The keys starting with ``prefix`` (a snapshot; keys may come and go meanwhile).

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        keys = self._keys
        pattern = keys.scan_pattern(prefix)
        found = set()
        for redis_key in self._call(
            lambda: list(self._client.scan_iter(match=pattern, count=1000))
        ):
            key = keys.store_key(redis_key.decode())
            if key is not None and key.startswith(prefix):
                found.add(key)
        return sorted(found)

    def close(self) -> None:
        """Release the connections."""
        self._raw.close()
        close_client(self._client)

    def __repr__(self) -> str:
        return f"RedisGroupStore({self.settings.safe_url!r}, namespace={self.settings.namespace!r})"


def _versioned(reply: Any) -> Versioned:
    """A ``Versioned`` from the ``HMGET s v t`` reply."""
    data, version, written = reply
    if version is None:
        return ABSENT
    return Versioned(decode(data), int(version), int(written) / 1e6)


def _raised(reply: Any) -> Any:
    """A pipelined reply; an error reply is raised."""
    if isinstance(reply, Exception):
        raise reply
    return reply
