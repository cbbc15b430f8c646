"""``LocalMessageQueue`` (``type: LOCAL``): an in-process message queue.

Config (``{"type": "LOCAL", "config": {...}}``):

``threads`` (default ``0``)
    ``0``: handlers run in the publisher's thread, in order, before ``publish`` returns. This
    is the default because it is exact for every grouping and has the least overhead.
    ``N > 0``: handlers run on a pool of ``N`` worker threads. Each subscription's messages are
    still handled one at a time in publish order (one mailbox per subscription); different
    subscriptions run in parallel.
``max_pending`` (default ``10000``; ``0`` = unbounded)
    Worker pool only: how many messages may wait for one subscription before publishers block.
``publish_timeout`` (default: wait forever)
    Worker pool only: seconds a blocked publisher waits before ``MessageQueueFullError``.
``copy_on_fanout`` (default ``true``)
    When several groups receive one message, each group after the first gets its own
    :meth:`Message.copy`, so a handler mutating its message cannot affect another group.
``save_messages`` (default ``false``) and ``save_messages_limit`` (default ``10000``)
    Keep the last ``save_messages_limit`` published messages per topic in ``mq.messages``.

Handler exceptions are logged (with subscription, group, topic and message ids) and never stop
delivery to other groups; nothing propagates to the publisher.

Every message published to a topic gets the next number of the topic's dense publish sequence
(1, 2, 3, ...), in ``message.publish_sequence``, whether or not anyone is subscribed, exactly as
the REDIS queue numbers its stream entries; COUNT_GROUPING windows are defined over it. (Any
other object published gets the attribute too if it can take one.) The
number is written on the published object itself. With the worker pool, a ``Message`` that is
published again while it already carries a number is delivered as a shallow copy (sharing
header, body and metadata) with the new number, so a delivery still waiting in a mailbox keeps
its own; in synchronous mode the earlier delivery is over and the object is renumbered in place.
"""
from __future__ import annotations

import collections
import itertools
import threading
import uuid
from typing import Any, Callable, Dict, List, NoReturn, Optional, Tuple

import alog
from caikit.core.exceptions import error_handler

from ..errors import MessageQueueClosedError, MessageQueueFullError, UnknownTopicError
from ..message import Message, renumbered
from ._routing import Group, Subscription, build_groups
from ._worker_pool import WorkerPool
from .base import MessageQueueBase, SubscriptionInfo, log_handler_failure

__all__ = ["LocalMessageQueue"]

log = alog.use_channel("MQLOC")
error = error_handler.get(log)

_DEFAULT_MAX_PENDING = 10_000
_DEFAULT_SAVE_LIMIT = 10_000


def _int_option(config: Any, key: str, default: int) -> int:
    value = config.get(key)
    if value is None:
        return default
    error.type_check("<CMP80142371E>", int, **{key: value})
    if isinstance(value, bool):
        raise TypeError(f"LOCAL message queue option {key!r} must be an int, got {value!r}")
    error.value_check("<CMP80142372E>", value >= 0, f"{key} must be >= 0, got {value!r}")
    return value


class LocalMessageQueue(MessageQueueBase):
    """In-process pub/sub with synchronous or worker-pool dispatch (see the module docstring).

    Attributes:
        messages: ``topic -> deque`` of saved messages (only with ``save_messages``)
        instance_name: the name given by the factory
        handler_errors: how many handler calls raised
    """

    name = "LOCAL"

    def __init__(self, config: Any, instance_name: str):
        """
        Args:
            config: the ``config`` section (an ``aconfig.Config``; missing keys read as None)
            instance_name: the instance's name

        Raises:
            TypeError, ValueError: an option has the wrong type or value
        """
        self.instance_name = instance_name
        self.threads = _int_option(config, "threads", 0)
        max_pending = _int_option(config, "max_pending", _DEFAULT_MAX_PENDING)
        publish_timeout = config.get("publish_timeout")
        if publish_timeout is not None:
            error.type_check("<CMP80142373E>", int, float, publish_timeout=publish_timeout)
            error.value_check(
                "<CMP80142374E>", publish_timeout > 0, f"publish_timeout must be > 0, got {publish_timeout!r}"
            )
        copy_on_fanout = config.get("copy_on_fanout")
        self._copy_on_fanout = True if copy_on_fanout is None else bool(copy_on_fanout)
        self._save_limit = _int_option(config, "save_messages_limit", _DEFAULT_SAVE_LIMIT) or None
        self._save_messages = bool(config.get("save_messages"))
        self.messages: Dict[str, collections.deque] = {}
        self.handler_errors = 0

        self._lock = threading.RLock()
        self._closed = False
        # topic -> immutable tuple of groups; read without locking by publish
        # topic -> (the next number of its publish sequence, its immutable tuple of groups);
        # itertools.count is atomic under the GIL, so concurrent publishers never share a number
        self._routes: Dict[str, Tuple[Callable[[], int], Tuple[Group, ...]]] = {}
        # topic -> subscriptions in subscription order (topics may be subscribed before creation)
        self._members: Dict[str, Tuple[Subscription, ...]] = {}
        self._counters: Dict[str, dict] = {}
        self._by_id: Dict[str, Subscription] = {}
        self._pool: Optional[WorkerPool] = None
        if self.threads:
            self._pool = WorkerPool(
                instance_name, self.threads, max_pending, publish_timeout, self._invoke, log
            )

    # -- topics and subscriptions ----------------------------------------------------------

    def create_topic(self, topic: str) -> None:
        """Create ``topic``; creating it again does nothing.

        Raises:
            TypeError: ``topic`` is not a string
        """
        error.type_check("<CMP80142375E>", str, topic=topic)
        with self._lock:
            if topic not in self._routes:
                self._routes[topic] = (itertools.count(1).__next__, self._build_route(topic))
                if self._save_messages:
                    self.messages.setdefault(topic, collections.deque(maxlen=self._save_limit))

    def topics(self) -> List[str]:
        """The created topics, sorted."""
        return sorted(self._routes)

    def subscribe(
        self,
        topic: str,
        group_id: str,
        handler: Callable[[Any], None],
        *,
        is_data_stream: bool = False,
    ) -> str:
        """Subscribe ``handler`` to ``topic`` in group ``group_id`` (see the base class).

        Subscribing to a topic that is not created yet is allowed; publishing to it is not.
        Safe from any thread, including from inside a handler.

        Raises:
            TypeError: ``topic``/``group_id`` not strings, or ``handler`` not callable
        """
        error.type_check("<CMP80142376E>", str, topic=topic, group_id=group_id)
        if not callable(handler):
            error.log_raise(
                "<CMP80142377E>", TypeError(f"handler must be callable, got {handler!r}")
            )
        sub = Subscription(str(uuid.uuid4()), topic, group_id, handler, bool(is_data_stream))
        with self._lock:
            self._by_id[sub.id] = sub
            self._members[topic] = (*self._members.get(topic, ()), sub)
            if topic in self._routes:
                self._routes[topic] = (self._routes[topic][0], self._build_route(topic))
        log.debug("subscribed %s to topic %r in group %r", sub.id, topic, group_id)
        return sub.id

    def unsubscribe(self, subscription_id: str) -> bool:
        """Remove a subscription; its queued (not yet handled) messages are dropped.

        Safe from any thread, including from inside the subscription's own handler.

        Returns:
            True if it existed
        """
        with self._lock:
            sub = self._by_id.pop(subscription_id, None)
            if sub is None:
                return False
            sub.active = False
            remaining = tuple(m for m in self._members.get(sub.topic, ()) if m is not sub)
            if remaining:
                self._members[sub.topic] = remaining
            else:
                self._members.pop(sub.topic, None)
            if sub.topic in self._routes:
                self._routes[sub.topic] = (self._routes[sub.topic][0], self._build_route(sub.topic))
        if self._pool is not None:
            self._pool.forget(sub)
        log.debug("unsubscribed %s from topic %r", subscription_id, sub.topic)
        return True

    def subscriptions(self) -> List[SubscriptionInfo]:
        """Every current subscription, in subscription order per topic."""
        with self._lock:
            members = [m for topic in sorted(self._members) for m in self._members[topic]]
        return [
            SubscriptionInfo(m.id, m.topic, m.group_id, m.handler, m.is_data_stream)
            for m in members
        ]

    def _build_route(self, topic: str) -> Tuple[Group, ...]:
        counters = self._counters.setdefault(topic, {})
        return build_groups(self._members.get(topic, ()), counters)

    # -- publishing ------------------------------------------------------------------------

    def publish(self, topic: str, message: Any) -> None:
        """Deliver ``message`` to one member of every group subscribed to ``topic``.

        In synchronous mode the handlers have run when this returns; with a worker pool they
        are queued (this call blocks while a target mailbox is full).

        Raises:
            UnknownTopicError: ``topic`` was never created
            MessageQueueClosedError: the queue was shut down
            MessageQueueFullError: worker pool only, a mailbox stayed full past
                ``publish_timeout`` (the other groups still got the message)
        """
        entry = self._routes.get(topic)
        if entry is None or self._closed:
            self._reject(topic)
        next_sequence, route = entry
        pool = self._pool
        if pool is not None and isinstance(message, Message) and "publish_sequence" in message.__dict__:
            message = renumbered(message)
        try:
            message.publish_sequence = next_sequence()
        except AttributeError:  # an object that cannot carry it (not a Message)
            pass
        if self._save_messages:
            self.messages[topic].append(message)
        if not route:
            return
        if len(route) == 1:
            sub = route[0].pick()
            if pool is not None:
                pool.submit(sub, message)
                return
            try:
                sub.handler(message)
            except Exception as err:  # pylint: disable=broad-except
                self._handler_failed(sub, message, err)
            return
        targets = self._fan_out(route, message)
        if pool is None:
            for sub, msg in targets:
                try:
                    sub.handler(msg)
                except Exception as err:  # pylint: disable=broad-except
                    self._handler_failed(sub, msg, err)
        else:
            # every group gets its message even if one group's mailbox is full
            full: Optional[MessageQueueFullError] = None
            for sub, msg in targets:
                try:
                    pool.submit(sub, msg)
                except MessageQueueFullError as err:
                    full = full or err
            if full is not None:
                raise full

    def _fan_out(self, route: Tuple[Group, ...], message: Any) -> List[Tuple[Subscription, Any]]:
        # Copies are made before any handler runs, so the first group's handler cannot
        # change what the others receive.
        copy = getattr(message, "copy", None) if self._copy_on_fanout else None
        targets = []
        for index, group in enumerate(route):
            targets.append((group.pick(), message if index == 0 or copy is None else copy()))
        return targets

    def _reject(self, topic: str) -> NoReturn:
        if self._closed:
            raise MessageQueueClosedError(self.instance_name, topic)
        error.type_check("<CMP80142378E>", str, topic=topic)
        error.log_raise("<CMP80142379E>", UnknownTopicError(topic, self._routes))
        raise UnknownTopicError(topic, self._routes)  # (log_raise raised it already)

    def _invoke(self, sub: Subscription, message: Any) -> None:
        try:
            sub.handler(message)
        except Exception as err:  # pylint: disable=broad-except
            self._handler_failed(sub, message, err)

    def _handler_failed(self, sub: Subscription, message: Any, err: Exception) -> None:
        self.handler_errors += 1
        log_handler_failure(log, "<CMP80142380E>", sub, message, err)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Messages queued for or being handled by workers (always 0 in synchronous mode)."""
        return 0 if self._pool is None else self._pool.pending

    def drain(self, timeout: Optional[float] = None) -> bool:
        """Wait until every queued message (and what its handlers publish) was handled.

        Returns:
            True when idle, False if ``timeout`` passed first (always True in synchronous mode)
        """
        return True if self._pool is None else self._pool.drain(timeout)

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting messages. With ``wait``, queued messages are delivered first (while
        draining, handlers may still publish); without it they are discarded."""
        if self._pool is not None:
            self._pool.shutdown(wait)
        self._closed = True

