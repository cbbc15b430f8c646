"""Errors raised by caikit-compose.

Each one subclasses the built-in exception a caller would naturally catch (``LookupError`` for
something that is not there, ``RuntimeError`` for a queue that cannot take more work, ...) and
carries the offending values as attributes.
"""
from __future__ import annotations

from typing import Iterable, Optional

__all__ = [
    "GroupStoreContentionError",
    "MessageQueueClosedError",
    "MessageQueueFullError",
    "UnknownBodyTypeError",
    "UnknownTopicError",
]


class UnknownTopicError(LookupError):
    """A message was published to a topic that was never created."""

    def __init__(self, topic: str, known_topics: Iterable[str] = ()):
        self.topic = topic
        self.known_topics = sorted(known_topics)
        listing = ", ".join(repr(t) for t in self.known_topics[:20]) or "none"
        super().__init__(
            f"Cannot publish to unknown topic {topic!r}: call create_topic({topic!r}) first. "
            f"Known topics: {listing}"
        )


class MessageQueueClosedError(RuntimeError):
    """The message queue was shut down and takes no more messages."""

    def __init__(self, instance_name: str, topic: Optional[str] = None):
        self.instance_name = instance_name
        self.topic = topic
        super().__init__(
            f"Message queue {instance_name!r} is shut down; cannot publish to topic {topic!r}"
        )


class MessageQueueFullError(RuntimeError):
    """A subscription's queue stayed full for longer than the publish timeout."""

    def __init__(self, subscription_id: str, topic: str, max_pending: int, timeout: float):
        self.subscription_id = subscription_id
        self.topic = topic
        self.max_pending = max_pending
        self.timeout = timeout
        super().__init__(
            f"Subscription {subscription_id!r} on topic {topic!r} has {max_pending} messages "
            f"pending and did not drain within {timeout!r} s"
        )


class UnknownBodyTypeError(LookupError):
    """A message body names a data object type that is not registered in this process."""

    def __init__(self, type_url: str, type_name: str):
        self.type_url = type_url
        self.type_name = type_name
        super().__init__(
            f"Message body type {type_url!r} names {type_name!r}, which is not a registered "
            f"@dataobject in this process. Import the library that defines it before reading "
            f"the message (message bodies never import modules themselves)."
        )


class GroupStoreContentionError(RuntimeError):
    """A grouping could not win a compare-and-set on its state after many attempts."""

    def __init__(self, key: str, attempts: int):
        self.key = key
        self.attempts = attempts
        super().__init__(
            f"Gave up updating group state {key!r} after {attempts} compare-and-set attempts "
            f"lost to concurrent writers"
        )
