"""``SIMPLE``: a synchronous, in-process message queue in one small file.

Config (``MQ_FACTORY.construct({"type": "SIMPLE", "config": {}})``): none.

It implements the whole contract of :mod:`caikit_compose.message_queue.base` (the module
docstring there is the specification, and ``caikit_compose.testing.check_message_queue`` checks
it): topics must be created before publishing, every group subscribed to a topic gets each
message once and one member of the group (round robin, or the exclusive ``is_data_stream``
member) handles it, a failing handler is logged and never stops delivery, and after
``shutdown`` publishing raises ``MessageQueueClosedError``. A backend for a real broker keeps
the same shape and replaces the dictionaries with the broker's topics and consumer groups.
"""
from __future__ import annotations

import itertools
import logging
import threading
import uuid
from typing import Any, Callable, Dict, List

from caikit_compose.errors import MessageQueueClosedError, UnknownTopicError
from caikit_compose.message_queue import MessageQueueBase, SubscriptionInfo

__all__ = ["SimpleMessageQueue"]

log = logging.getLogger(__name__)


class SimpleMessageQueue(MessageQueueBase):
    """Delivers each message in the publisher's thread before ``publish`` returns.

    Attributes:
        handler_errors: how many handler calls raised
    """

    name = "SIMPLE"

    def __init__(self, config: Any = None, instance_name: str = "SIMPLE"):
        self.instance_name = instance_name
        self.handler_errors = 0
        self._lock = threading.Lock()
        self._topics: set = set()
        # topic -> group -> [SubscriptionInfo], plus a round-robin counter per (topic, group)
        self._groups: Dict[str, Dict[str, List[SubscriptionInfo]]] = {}
        self._turns: Dict[tuple, Any] = {}
        self._closed = False

    def create_topic(self, topic: str) -> None:
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a string, got {topic!r}")
        with self._lock:
            self._topics.add(topic)

    def subscribe(
        self,
        topic: str,
        group_id: str,
        handler: Callable[[Any], None],
        *,
        is_data_stream: bool = False,
    ) -> str:
        info = SubscriptionInfo(str(uuid.uuid4()), topic, group_id, handler, is_data_stream)
        with self._lock:
            self._groups.setdefault(topic, {}).setdefault(group_id, []).append(info)
        return info.subscription_id

    def unsubscribe(self, subscription_id: str) -> bool:
        with self._lock:
            for groups in self._groups.values():
                for members in groups.values():
                    for member in members:
                        if member.subscription_id == subscription_id:
                            members.remove(member)
                            return True
        return False

    def publish(self, topic: str, message: Any) -> None:
        with self._lock:
            if self._closed:
                raise MessageQueueClosedError(self.instance_name, topic)
            if topic not in self._topics:
                raise UnknownTopicError(topic, self._topics)
            chosen = []
            for group_id, members in self._groups.get(topic, {}).items():
                if not members:
                    continue
                exclusive = [m for m in members if m.is_data_stream]
                if exclusive:
                    chosen.append(exclusive[0])
                else:
                    turn = self._turns.setdefault((topic, group_id), itertools.count())
                    chosen.append(members[next(turn) % len(members)])
        for member in chosen:  # outside the lock: handlers may publish or subscribe
            try:
                member.handler(message)
            except Exception:  # a failing handler loses this message, nothing more
                self.handler_errors += 1
                log.exception(
                    "handler of subscription %s (group %r, topic %r) failed",
                    member.subscription_id, member.group_id, topic,
                )

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            self._closed = True

    def topics(self) -> List[str]:
        with self._lock:
            return sorted(self._topics)

    def subscriptions(self) -> List[SubscriptionInfo]:
        with self._lock:
            return [m for groups in self._groups.values() for ms in groups.values() for m in ms]
