"""``CompoundGroupingBase``: what KEY_GROUPING and COUNT_GROUPING share.

Both collect, for each *element id* (the values of the match keys, ``header.data_id`` by
default), one message of every content type in ``grouping_input``. An element is complete when
every type is present.

State layout in the group store (``<NAME>/<subscription_id>`` is the 0.1.0 group id):

``<NAME>/<subscription_id>/e/<element id>``
    one :class:`~caikit_compose.grouping._states.PartialGroup` per incomplete element, so that
    unrelated keys never contend, and each can expire on its own; once the element completed,
    its ``TOMBSTONE``.
``<NAME>/<subscription_id>/b/<block>``
    a block of COUNT_GROUPING's windows over the publish sequence (a
    :class:`~caikit_compose.grouping._states.WindowBlock`), then its ``TOMBSTONE``.
``<NAME>/<subscription_id>/series``
    COUNT_GROUPING's window of frames that carry no publish sequence.

Every transition is a compare-and-set on one key (see :mod:`caikit_compose.group_store.base`), so
replicas and worker threads never lose, duplicate or double-count a message.

**Tombstones.** A key whose group completed is not deleted: its state becomes the store's
``TOMBSTONE`` (one ``compare_and_tombstone``), which lives ``tombstone_ttl`` seconds. A message
that arrives for a tombstoned key (a redelivery, a replayed input) is counted in
``stats["dropped_completed"]`` and dropped, so a completed key is emitted at most once (while its
tombstone lives), in every process that shares the store.

Config (shared):

``match_keys`` (alias ``element_match_keys``; default ``["header.data_id"]``)
    ``nested_get`` paths whose values identify an element.
``partial_ttl`` (default ``3600`` seconds; ``0`` = never)
    An incomplete group idle for this long expires: it is counted in ``stats["expired"]`` and,
    with ``emit_partial``, delivered as a partial group.
``emit_partial`` (default ``false``)
    Deliver expired (and, with ``on_close: flush``, closed) partial groups to the actor. Their
    metadata carries ``{"caikit_compose": {"partial": "expired" | "closed"}}``.
``on_close`` (default ``keep``)
    What :meth:`close` does with partial state: ``keep`` it (other replicas may still need it),
    ``drop`` it, or ``flush`` it (return it as partial groups). Tombstones are always kept.
``tombstone_ttl`` (default: ``partial_ttl``, or ``3600`` when that is ``0``; ``0`` = no tombstones)
    How long the tombstone of a completed key lives (seconds, idle). Each costs one small store
    key for that long (LOCAL: about 200 bytes), so at thousands of groups per second a shorter
    lifetime keeps memory down. With ``0`` a completed key is deleted, and the same key can
    form a new group (the behaviour of caikit-compose 0.1.0).

A message whose content type is not in ``grouping_input`` (a *foreign* type), or whose type is
already present in its element (a *duplicate*), is logged and dropped; it never blocks the
element or the subscription.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import alog
from caikit.core.exceptions import error_handler

from ..errors import GroupStoreContentionError
from ..group_store.base import DEFAULT_MAX_ATTEMPTS, TOMBSTONE, GroupStoreBase, Versioned
from ..message import Message, deferred_message, path_getter
from ._states import PartialGroup
from .base import GroupingBase
from .group_data import (
    CompoundGroup,
    CompoundGroupState,
    GroupElement,
    make_element,
    merge_metadata,
    newest,
)

__all__ = [
    "CompoundGroup",
    "CompoundGroupState",
    "CompoundGroupingBase",
    "GroupElement",
]

log = alog.use_channel("GPCMP")
error = error_handler.get(log)

DEFAULT_MATCH_KEYS = ("header.data_id",)
DEFAULT_PARTIAL_TTL = 3600.0
ON_CLOSE_CHOICES = ("keep", "drop", "flush")
PARTIAL_FLAG = "caikit_compose"

# Log the first few drops of each kind, then one in every _LOG_EVERY.
_LOG_FIRST = 10
_LOG_EVERY = 1000


def _match_keys(config: Any) -> List[str]:
    keys = config.get("match_keys")
    alias = config.get("element_match_keys")
    if keys is not None and alias is not None and _as_key_list(keys) != _as_key_list(alias):
        error.log_raise(
            "<CMP51020381E>",
            ValueError(
                f"match_keys {keys!r} and element_match_keys {alias!r} disagree; give one"
            ),
        )
    keys = keys if keys is not None else alias
    return sorted(_as_key_list(keys)) if keys is not None else list(DEFAULT_MATCH_KEYS)


def _as_key_list(keys: Any) -> List[str]:
    if isinstance(keys, str):
        keys = [keys]
    error.type_check_all("<CMP51020382E>", str, match_keys=keys)
    error.value_check("<CMP51020383E>", len(keys) > 0, f"match_keys is empty: {keys!r}")
    for key in keys:
        error.value_check("<CMP51020384E>", bool(key), f"empty match key in {keys!r}")
    return list(keys)


def _number_option(config: Any, key: str, default: float) -> float:
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        error.log_raise(
            "<CMP51020385E>", TypeError(f"{key} must be a number of seconds, got {value!r}")
        )
    error.value_check("<CMP51020386E>", value >= 0, f"{key} must be >= 0, got {value!r}")
    return float(value)


#: keys read per ``get_versioned_many`` by sweeps (one round trip each on an external store)
SWEEP_CHUNK = 500


def read_states(store: GroupStoreBase, keys: List[str]) -> Iterator[Tuple[str, Versioned]]:
    """``(key, store.get_versioned(key))`` for each key, read ``SWEEP_CHUNK`` at a time.

    Sweeps read every key of a grouping, tombstones included: batches keep that to a few round
    trips on an external store.
    """
    for start in range(0, len(keys), SWEEP_CHUNK):
        chunk = keys[start : start + SWEEP_CHUNK]
        yield from zip(chunk, store.get_versioned_many(chunk))


def element_id_getter(match_keys: List[str]) -> Callable[[Message], str]:
    """A function computing a message's element id from the (sorted) match keys."""
    getters = [path_getter(key) for key in match_keys]
    if len(getters) == 1:
        only = getters[0]

        def element_id(msg: Message) -> str:
            value = only(msg)
            return value if value.__class__ is str else str(value)

        return element_id

    def compound_id(msg: Message) -> str:
        return "\x1f".join(str(get(msg)) for get in getters)

    return compound_id


class CompoundGroupingBase(GroupingBase):
    """Shared machinery of element-based groupings (see the module docstring)."""

    def __init__(
        self,
        config: Any,
        subscription_id: str,
        group_store: GroupStoreBase,
        grouping_input: List[str],
        element_match_keys: Optional[List[str]] = None,
    ):
        """
        Raises:
            TypeError, ValueError: invalid config or input
        """
        if config is None:
            import aconfig  # pylint: disable=import-outside-toplevel

            config = aconfig.Config({}, override_env_vars=False)
        error.type_check_all("<CMP51020387E>", str, grouping_input=grouping_input)
        error.value_check(
            "<CMP51020388E>", len(grouping_input) > 0, f"grouping_input is empty: {grouping_input!r}"
        )
        error.type_check("<CMP51020389E>", GroupStoreBase, group_store=group_store)
        super().__init__(config, subscription_id, group_store, grouping_input)
        self.match_keys = (
            sorted(_as_key_list(element_match_keys))
            if element_match_keys is not None
            else _match_keys(config)
        )
        self._required = frozenset(self.grouping_input)
        self._n_required = len(self._required)
        self._element_id = element_id_getter(self.match_keys)
        self.group_id = f"{self.name}/{subscription_id}"
        self.output_content_type = f"{self.name}.{subscription_id}"
        self._element_prefix = f"{self.group_id}/e/"

        self.partial_ttl = _number_option(config, "partial_ttl", DEFAULT_PARTIAL_TTL)
        self.emit_partial = bool(config.get("emit_partial"))
        on_close = config.get("on_close") or "keep"
        error.value_check(
            "<CMP51020390E>",
            on_close in ON_CLOSE_CHOICES,
            f"on_close must be one of {ON_CLOSE_CHOICES!r}, got {on_close!r}",
        )
        self.on_close = on_close
        tombstone_ttl = _number_option(
            config, "tombstone_ttl", self.partial_ttl or DEFAULT_PARTIAL_TTL
        )
        #: seconds a completed key's tombstone lives; None: completed keys are deleted
        self.tombstone_ttl: Optional[float] = tombstone_ttl or None
        # The store may garbage-collect keys idle well past the grouping's own expiry (e.g.
        # the state of a subscription that went away); the grouping sweeps first.
        self._store_ttl = self.partial_ttl * 4 if self.partial_ttl else None
        self._sweep_every = self.partial_ttl / 4 if self.partial_ttl else None
        self._next_sweep = (
            group_store.now() + self._sweep_every if self._sweep_every is not None else None
        )

        self._stats_lock = threading.Lock()
        self._stats: Dict[str, int] = {
            "dropped_duplicate": 0,
            "dropped_completed": 0,
            "dropped_foreign": 0,
            "expired": 0,
            "dropped_on_close": 0,
        }
        self._expired_out: List[Message] = []

    # -- elements ----------------------------------------------------------------------------

    def _add_to_element(self, message: Message) -> Optional[Tuple[Message, ...]]:
        """Add ``message`` to its element; return the element's messages once complete."""
        content_type = message.header.content_type
        key = self._element_prefix + self._element_id(message)
        store = self.group_store
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            current = store.get_versioned(key)
            state = current.state
            if state is None:
                members: Tuple[Message, ...] = (message,)
            elif state is TOMBSTONE:
                self._drop("dropped_completed", message, f"element {key!r} already completed")
                return None
            elif state.has_type(content_type):
                self._drop("dropped_duplicate", message, f"element {key!r} already has one")
                return None
            else:
                members = state.messages + (message,)  # noqa: RUF005 (faster than unpacking)
            if len(members) == self._n_required:
                # _complete, inlined (the hot path of KEY_GROUPING)
                version = current.version
                if self.tombstone_ttl is not None:
                    if store.compare_and_tombstone(key, version, ttl=self.tombstone_ttl):
                        return members
                elif version == 0 or store.compare_and_delete(key, version):
                    return members
            elif store.compare_and_set(
                key, PartialGroup(members), current.version, ttl=self._store_ttl
            ):
                return None
        raise GroupStoreContentionError(key, DEFAULT_MAX_ATTEMPTS)

    def _complete(self, key: str, version: int) -> bool:
        """Mark ``key`` (read at ``version``) completed: tombstone it, or delete it when
        tombstones are off. False if another writer changed it first."""
        if self.tombstone_ttl is not None:
            return self.group_store.compare_and_tombstone(key, version, ttl=self.tombstone_ttl)
        return version == 0 or self.group_store.compare_and_delete(key, version)

    def _complete_alone(self, message: Message) -> bool:
        """A single-type element completes with its first message: tombstone its key; False
        (and the message is dropped) when the key already completed."""
        if self.tombstone_ttl is None:
            return True
        key = self._element_prefix + self._element_id(message)
        store = self.group_store
        for _ in range(DEFAULT_MAX_ATTEMPTS):
            if store.compare_and_tombstone(key, 0, ttl=self.tombstone_ttl):
                return True
            current = store.get_versioned(key)
            if current.state is TOMBSTONE:
                self._drop("dropped_completed", message, f"element {key!r} already completed")
                return False
            # left over from a configuration with more input types: this message completes it
            if current.version and self._complete(key, current.version):
                return True
        raise GroupStoreContentionError(key, DEFAULT_MAX_ATTEMPTS)

    def _is_foreign(self, message: Message) -> bool:
        if message.header.content_type in self._required:
            return False
        self._drop(
            "dropped_foreign", message, f"content type is not one of {sorted(self._required)!r}"
        )
        return True

    def _drop(self, counter: str, message: Message, why: str) -> None:
        with self._stats_lock:
            self._stats[counter] += 1
            count = self._stats[counter]
        if count <= _LOG_FIRST or count % _LOG_EVERY == 0:
            header = message.header
            log.warning(
                "<CMP51020391W> %s dropped message uid=%s data_id=%s content_type=%r: %s "
                "(%s so far: %d)",
                self.group_id,
                header.uid,
                header.data_id,
                header.content_type,
                why,
                counter,
                count,
            )

    # -- output ------------------------------------------------------------------------------

    def _group_message(
        self,
        factory: Callable[[Any], Any],
        factory_arg: Any,
        body_type: str,
        members: Iterable[Message],
        trigger: Optional[Message],
        partial: Optional[str],
    ) -> Message:
        """A group's message with lineage: the trigger's (newest member's) data_id and roi_id,
        and the members' metadata merged in creation order. The body is built by
        ``factory(factory_arg)`` when first read."""
        metadata = merge_metadata(members)
        if partial:
            flags = metadata.setdefault(PARTIAL_FLAG, {})
            if isinstance(flags, dict):
                flags["partial"] = partial
        if trigger is None:
            raise ValueError(f"{self.group_id}: cannot emit an empty group")
        header = trigger.header
        return deferred_message(
            factory,
            factory_arg,
            body_type,
            metadata,
            self.output_content_type,
            header.data_id,
            header.roi_id,
        )

    def _element_message(
        self, members: Tuple[Message, ...], partial: Optional[str] = None
    ) -> Message:
        return self._group_message(
            make_element,
            members,
            GroupElement.full_name,
            members,
            newest(members),
            partial,
        )

    def _partial_message(self, state: Any, reason: str) -> Optional[Message]:
        """The message delivered for an expired or flushed partial element."""
        return self._element_message(state.messages, reason)

    # -- expiry ------------------------------------------------------------------------------

    def _maybe_sweep(self) -> None:
        next_sweep, every = self._next_sweep, self._sweep_every
        if next_sweep is None or every is None:
            return
        now = self.group_store.now()
        if now < next_sweep:
            return
        self._next_sweep = now + every
        expired = self.expire(now)
        if expired:
            with self._stats_lock:
                self._expired_out.extend(expired)
                self.has_expired = True

    def take_expired(self) -> List[Message]:
        """Hand out partial groups produced by sweeps during :meth:`add_message`."""
        with self._stats_lock:
            out, self._expired_out = self._expired_out, []
            self.has_expired = False
        return out

    def expire(self, now: Optional[float] = None) -> List[Message]:
        """Expire elements idle for ``partial_ttl``; return partial groups to deliver.

        Each expiry is a compare-and-delete, so across replicas every partial group expires
        exactly once.
        """
        if not self.partial_ttl:
            return []
        store = self.group_store
        now = store.now() if now is None else now
        out: List[Message] = []
        for key, current in read_states(store, store.scan(self._element_prefix)):
            state = current.state
            if state is None or state is TOMBSTONE or now - current.updated_at < self.partial_ttl:
                continue
            if store.compare_and_delete(key, current.version):
                with self._stats_lock:
                    self._stats["expired"] += 1
                if self.emit_partial:
                    msg = self._partial_message(current.state, "expired")
                    if msg is not None:
                        out.append(msg)
        out.extend(self._expire_extra(now))
        return out

    def _expire_extra(self, now: float) -> List[Message]:
        """Hook for state beyond elements (COUNT's window)."""
        return []

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> List[Message]:
        """Apply ``on_close`` to the partial state: keep it, drop it or flush it."""
        if self.on_close == "keep":
            return []
        out: List[Message] = []
        store = self.group_store
        for key, current in read_states(store, self._state_keys()):
            state = current.state
            if state is None or state is TOMBSTONE:
                continue
            if not store.compare_and_delete(key, current.version):
                continue
            if self.on_close == "flush":
                msg = self._partial_message(current.state, "closed")
                if msg is not None:
                    out.append(msg)
            else:
                with self._stats_lock:
                    self._stats["dropped_on_close"] += 1
        return out

    def _state_keys(self) -> List[str]:
        return self.group_store.scan(self._element_prefix)

    def get_pending_messages(self) -> List[Message]:
        """Messages of incomplete elements (in store order)."""
        store = self.group_store
        pending: List[Message] = []
        for _, current in read_states(store, store.scan(self._element_prefix)):
            if isinstance(current.state, PartialGroup):
                pending.extend(current.state.messages)
        return pending

    @property
    def stats(self) -> Dict[str, int]:
        """Counters: ``dropped_duplicate``, ``dropped_completed`` (a message for a key whose
        group already completed), ``dropped_foreign``, ``expired``, ``dropped_on_close`` (and
        ``skipped`` for COUNT_GROUPING)."""
        with self._stats_lock:
            return dict(self._stats)


# Re-exported for code written against 0.1.0's module layout.
_ = (CompoundGroup, CompoundGroupState)
