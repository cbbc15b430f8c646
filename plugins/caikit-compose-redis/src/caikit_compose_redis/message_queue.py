"""``RedisMessageQueue`` (``type: REDIS``): the message queue on Redis Streams.

Many processes that construct a REDIS queue with the same ``url`` and ``namespace`` share
its topics: a topic is a stream, a subscriber group is a consumer group, and every
subscription is a consumer of its group, so each group receives every message once and the
members of a group (in one process or many) share the work. Delivery is best effort, as with
LOCAL: nothing is acknowledged or redelivered.

* ``publish`` encodes the message and hands it to a background writer that batches and
  pipelines writes (see :mod:`caikit_compose_redis._publisher`); ``flush()`` or
  ``shutdown()`` wait until it is written.
* Every message gets the next number of its topic's dense publish sequence (1, 2, 3, ...),
  assigned by the server when it is written; a delivered message carries it in
  ``message.publish_sequence`` (caikit-compose's ``Message`` attribute, which COUNT_GROUPING
  windows by), the same number in every process.
* Each subscription reads on its own thread and connection and calls its handler in stream
  order. A handler's exception is logged and never stops delivery.
* ``lag()`` reports, per topic and group, how many entries are waiting.

Config: see :mod:`caikit_compose_redis._settings`.
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from typing import Any, Dict, List, Optional, Tuple

import alog
import redis
from caikit_compose.errors import MessageQueueClosedError, MessageQueueFullError, UnknownTopicError
from caikit_compose.message_queue import CALLBACK, MessageQueueBase, SubscriptionInfo
from caikit_compose.message_queue.base import log_handler_failure

from ._codec import encode
from ._connection import CONNECTION_ERRORS, close_client, connect, translate_error
from ._consumer import Consumer, create_group
from ._keys import MqKeys
from ._publisher import Publisher
from ._settings import RedisSettings

__all__ = ["RedisMessageQueue", "publish_sequence"]

log = alog.use_channel("MQRDS")

def publish_sequence(message: Any) -> Optional[int]:
    """``message.publish_sequence`` (None for an object without one).

    Kept for code written before the number became a public attribute of caikit-compose's
    ``Message``: read ``message.publish_sequence`` instead. Numbers are dense per topic (1, 2,
    3, ... in publish order), the same in every process.
    """
    return getattr(message, "publish_sequence", None)


class _Subscription:
    __slots__ = ("consumers", "group_id", "handler", "id", "is_data_stream", "topic")

    def __init__(self, sub_id: str, topic: str, group_id: str, handler: CALLBACK, exclusive: bool):
        self.id = sub_id
        self.topic = topic
        self.group_id = group_id
        self.handler = handler
        self.is_data_stream = exclusive
        self.consumers: List[Consumer] = []


class RedisMessageQueue(MessageQueueBase):
    """Pub/sub on Redis Streams shared by every process using the same Redis and namespace.

    Attributes:
        instance_name: the name given by the factory
        settings: the validated config
        handler_errors: how many handler calls raised
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
        self._keys = MqKeys(self.settings.namespace)
        self._client = connect(self.settings)
        self._publisher = Publisher(self.settings, self._client, self._keys, log, instance_name)
        self._lock = threading.RLock()
        self._topics: set = set()
        self._subs: Dict[str, _Subscription] = {}
        self._closed = False
        self.handler_errors = 0
        self._consumer_prefix = f"{socket.gethostname()}-{os.getpid()}"

    # -- topics --------------------------------------------------------------------------------

    def create_topic(self, topic: str) -> None:
        """Create ``topic`` for every process of the application (idempotent).

        Raises:
            TypeError: ``topic`` is not a string
            RedisUnavailableError: Redis cannot be reached
        """
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a string, got {topic!r}")
        if topic in self._topics:
            return
        try:
            self._client.sadd(self._keys.topics, topic)
        except (redis.RedisError, OSError) as err:
            raise translate_error(self.settings, err) from err
        with self._lock:
            self._topics.add(topic)

    def topics(self) -> List[str]:
        """Every topic created by any process, sorted."""
        try:
            names = self._client.smembers(self._keys.topics)
        except (redis.RedisError, OSError) as err:
            raise translate_error(self.settings, err) from err
        return sorted({n.decode() for n in names} | self._topics)

    def _known_topic(self, topic: str) -> bool:
        if topic in self._topics:
            return True
        if not isinstance(topic, str):
            return False
        try:
            known = bool(self._client.sismember(self._keys.topics, topic))
        except CONNECTION_ERRORS:
            # Redis is away: accept the topic; the writer holds messages until it is back.
            return True
        if known:
            with self._lock:
                self._topics.add(topic)
        return known

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, topic: str, message: Any) -> None:
        """Queue ``message`` for every group subscribed to ``topic`` (in any process).

        The message is written by a background thread shortly after; :meth:`flush` waits for it.
        While Redis is unreachable messages are held (up to ``publish_buffer``) and written
        when it is back.

        Raises:
            UnknownTopicError: ``topic`` was never created (by any process)
            TypeError: ``message`` is not a ``Message``
            MessageQueueClosedError: the queue was shut down
            MessageQueueFullError: the buffer stayed full for ``publish_timeout`` seconds
        """
        if self._closed:
            raise MessageQueueClosedError(self.instance_name, topic)
        if not self._known_topic(topic):
            if not isinstance(topic, str):
                raise TypeError(f"topic must be a string, got {topic!r}")
            raise UnknownTopicError(topic, self.topics())
        if not self._publisher.put(topic, encode(message)):
            raise MessageQueueFullError(
                "<publisher>",
                topic,
                self.settings.publish_buffer,
                self.settings.publish_timeout or 0.0,
            )

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Wait until every published message was written to Redis (or dropped).

        Returns:
            True when nothing is left, False if ``timeout`` passed first
        """
        return self._publisher.flush(timeout)

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe(
        self,
        topic: str,
        group_id: str,
        handler: CALLBACK,
        *,
        is_data_stream: bool = False,
    ) -> str:
        """Join group ``group_id`` on ``topic`` as a new consumer that calls ``handler``.

        The group is created (at the end of the stream) if it does not exist, so every message
        published after this returns reaches the group.

        Args:
            topic: the topic (it may be created later)
            group_id: the subscriber group; members in any process share its messages
            handler: called with each message this member receives, in stream order (with
                ``consumers`` > 1, from that many threads at once)
            is_data_stream: make this member exclusive: of the group's data-stream members (in
                any process) one at a time reads everything, the others are its fail-overs
                and take over within ``max(10 s, 3 * block_ms)`` when it goes away. Members
                subscribed without it keep sharing the work.

        Raises:
            TypeError: ``topic``/``group_id`` not strings or ``handler`` not callable
            MessageQueueClosedError: the queue was shut down
            RedisUnavailableError: Redis cannot be reached
        """
        if not isinstance(topic, str) or not isinstance(group_id, str):
            raise TypeError(f"topic and group_id must be strings, got {topic!r} and {group_id!r}")
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {handler!r}")
        if self._closed:
            raise MessageQueueClosedError(self.instance_name, topic)
        stream = self._keys.stream(topic)
        group = group_id or "_"
        try:
            start_id = create_group(self._client, stream, group, "$")
        except (redis.RedisError, OSError) as err:
            raise translate_error(self.settings, err) from err
        sub = _Subscription(str(uuid.uuid4()), topic, group_id, handler, bool(is_data_stream))
        # Exclusive members read alone, so more than one reader would only wait.
        readers = 1 if is_data_stream else self.settings.consumers
        for index in range(readers):
            name = f"{self._consumer_prefix}-{sub.id[:8]}" + (f"-{index}" if index else "")
            sub.consumers.append(
                Consumer(
                    self.settings,
                    stream,
                    topic,
                    group,
                    name,
                    start_id,
                    lambda message, sequence, _sub=sub: self._deliver(_sub, message, sequence),
                    log,
                    lease_key=self._keys.lease(topic, group) if is_data_stream else None,
                )
            )
        with self._lock:
            if self._closed:
                raise MessageQueueClosedError(self.instance_name, topic)
            self._subs[sub.id] = sub
        for consumer in sub.consumers:
            consumer.start()
        log.debug("subscribed %s to topic %r in group %r", sub.id, topic, group_id)
        return sub.id

    def unsubscribe(self, subscription_id: str) -> bool:
        """Stop a subscription (its consumer leaves the group). Unknown ids are ignored.

        Returns:
            True if it existed
        """
        with self._lock:
            sub = self._subs.pop(subscription_id, None)
        if sub is None:
            return False
        for consumer in sub.consumers:
            consumer.stop(wait=False)
        for consumer in sub.consumers:
            consumer.stop(wait=True)
            try:
                self._client.xgroup_delconsumer(consumer.stream, consumer.group, consumer.name)
            except (redis.RedisError, OSError):
                pass  # the consumer has no pending entries (NOACK); a leftover name is harmless
        return True

    def subscriptions(self) -> List[SubscriptionInfo]:
        """This process's subscriptions."""
        with self._lock:
            subs = list(self._subs.values())
        return [
            SubscriptionInfo(s.id, s.topic, s.group_id, s.handler, s.is_data_stream) for s in subs
        ]

    def _deliver(self, sub: _Subscription, message: Any, sequence: int) -> None:
        message.publish_sequence = sequence
        try:
            sub.handler(message)
        except Exception as err:  # pylint: disable=broad-except
            self.handler_errors += 1
            log_handler_failure(log, "<RDS10100001E>", sub, message, err)

    # -- observability -------------------------------------------------------------------------

    def lag(self, topic: Optional[str] = None) -> Dict[Tuple[str, str], int]:
        """Entries waiting per ``(topic, group)`` (all created topics, or one).

        From ``XINFO GROUPS``: entries added to the stream that the group has not read yet
        (-1 when Redis cannot tell, e.g. after entries were deleted by hand).

        Raises:
            RedisUnavailableError: Redis cannot be reached
        """
        topics = [topic] if topic is not None else self.topics()
        out: Dict[Tuple[str, str], int] = {}
        try:
            for name in topics:
                try:
                    groups = self._client.xinfo_groups(self._keys.stream(name))
                except redis.ResponseError:
                    continue  # no stream yet
                for group in groups:
                    lag = group.get("lag")
                    out[(name, _text(group["name"]))] = int(lag) if lag is not None else -1
        except CONNECTION_ERRORS as err:
            raise translate_error(self.settings, err) from err
        return out

    @property
    def stats(self) -> Dict[str, int]:
        """Counters of this process: ``published`` (written), ``dropped``, ``pending``,
        ``delivered``, ``malformed``, ``handler_errors``, ``reconnects``."""
        with self._lock:
            consumers = [c for s in self._subs.values() for c in s.consumers]
        return {
            "published": self._publisher.written,
            "dropped": self._publisher.dropped,
            "pending": self._publisher.pending,
            "delivered": sum(c.delivered for c in consumers),
            "malformed": sum(c.malformed for c in consumers),
            "handler_errors": self.handler_errors,
            "reconnects": sum(c.reconnects for c in consumers),
        }

    # -- lifecycle -----------------------------------------------------------------------------

    def shutdown(self, wait: bool = True) -> None:
        """Stop publishing and consuming. With ``wait``, buffered messages are written first
        (for as long as Redis is reachable, or ``socket_timeout`` seconds when it is not)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            subs = list(self._subs)
        self._publisher.close(timeout=None if wait else 0)
        for sub_id in subs:
            self.unsubscribe(sub_id)
        close_client(self._client)

    def __repr__(self) -> str:
        return f"RedisMessageQueue({self.settings.safe_url!r}, namespace={self.settings.namespace!r})"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
