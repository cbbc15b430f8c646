"""``MessageQueueBase``: the pub/sub contract every message queue implements.

Semantics (shared by every backend):

* Messages are published to **topics**; a topic should carry one content type (normally the
  full name of one ``@dataobject``), and topics must be created before publishing.
* Each subscription belongs to a **group** (``group_id``). Every group subscribed to a topic
  receives each message once, and exactly **one member** of the group handles it. Members of a
  group are replicas sharing the load (round robin). A member subscribed with
  ``is_data_stream=True`` is an exclusive consumer: while it is subscribed it receives every
  message of the group (the other members are its fail-overs).
* Delivery is **best effort, at most once**: no acknowledgement, no retry, no retention. A
  handler that raises loses that message; the failure is logged with the subscription and
  message ids and never stops delivery to the other groups.
* Every ``Message`` published to a topic gets the next number of the topic's **publish
  sequence** (1, 2, 3, ... in publish order, dense, the same for every group and in every
  process sharing the topic), and every delivered message carries it in
  ``message.publish_sequence``. COUNT_GROUPING defines its windows over these numbers, which
  is what makes windows identical however the members of a subscription are spread. A message
  that did not come through a queue has ``publish_sequence`` None.
"""
from __future__ import annotations

import abc
from typing import Any, Callable, List, NamedTuple, Optional

from caikit.core.toolkit.factory import FactoryConstructible

__all__ = ["CALLBACK", "MessageQueueBase", "SubscriptionInfo", "log_handler_failure"]

#: The type of a subscription handler: called with each delivered ``Message``.
CALLBACK = Callable[[Any], None]


class SubscriptionInfo(NamedTuple):
    """A read-only description of one subscription (used by tools such as the graph renderer).

    Attributes:
        subscription_id: the id returned by ``subscribe``
        topic: the subscribed topic
        group_id: the consumer group
        handler: the callable that receives messages
        is_data_stream: whether the member is an exclusive (data-stream) consumer
    """

    subscription_id: str
    topic: str
    group_id: str
    handler: Callable[[Any], None]
    is_data_stream: bool


def log_handler_failure(log: Any, code: str, sub: Any, message: Any, err: Exception) -> None:
    """Log a handler's failure as the delivery contract says: with the subscription and the
    message ids (every backend logs it alike, under its own log code).

    Args:
        log: the backend's logger
        code: the backend's log code, e.g. ``"<CMP80142380E>"``
        sub: the subscription (anything with ``id``, ``group_id`` and ``topic``)
        message: the message the handler failed on
        err: what the handler raised
    """
    header = getattr(message, "header", None)
    log.error(
        "%s handler of subscription %s (group %r, topic %r) failed on message uid=%s "
        "data_id=%s: %r",
        code,
        sub.id,
        sub.group_id,
        sub.topic,
        getattr(header, "uid", None),
        getattr(header, "data_id", None),
        err,
        exc_info=err,
    )


class MessageQueueBase(FactoryConstructible):
    """Abstract pub/sub message queue (see the module docstring for the delivery contract)."""

    CALLBACK = CALLBACK

    @abc.abstractmethod
    def create_topic(self, topic: str) -> None:
        """Create ``topic`` (idempotent).

        Raises:
            TypeError: ``topic`` is not a string
        """

    @abc.abstractmethod
    def subscribe(
        self,
        topic: str,
        group_id: str,
        handler: Callable[[Any], None],
        *,
        is_data_stream: bool = False,
    ) -> str:
        """Subscribe ``handler`` to ``topic`` as a member of group ``group_id``.

        Args:
            topic: the topic (it may be created later, before the first publish)
            group_id: the consumer group; members of one group share the messages
            handler: called with each message delivered to this member
            is_data_stream: make this member the group's exclusive consumer

        Returns:
            The subscription id, for :meth:`unsubscribe`.
        """

    @abc.abstractmethod
    def unsubscribe(self, subscription_id: str) -> bool:
        """Remove a subscription. Unknown ids are ignored.

        Returns:
            True if a subscription was removed
        """

    @abc.abstractmethod
    def publish(self, topic: str, message: Any) -> None:
        """Publish ``message`` to every group subscribed to ``topic``.

        Raises:
            UnknownTopicError: ``topic`` was never created
            MessageQueueClosedError: the queue was shut down
        """

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting messages; with ``wait``, deliver what is queued first."""

    def drain(self, timeout: Optional[float] = None) -> bool:
        """Wait until this process has handled everything queued so far (and what those
        handlers published). Synchronous queues are always drained.

        Returns:
            True when idle, False if ``timeout`` seconds passed first
        """
        return True

    def topics(self) -> List[str]:
        """The created topics (for introspection; backends may return only local knowledge)."""
        return []

    def subscriptions(self) -> List[SubscriptionInfo]:
        """This process's subscriptions (for introspection)."""
        return []

    def __enter__(self) -> MessageQueueBase:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(wait=True)
