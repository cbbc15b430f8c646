"""``SubscriptionManager``: binds an actor callback to a grouping over input topics.

The manager subscribes to every input topic (the topic name is the content type) with the
subscription id as the message-queue group id, feeds each message to its grouping, and calls
the actor with each group the grouping completes. Two managers with the same subscription id
(replicas, in one process or many) share the messages round robin and, through the group store,
the partial groups.
"""
from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, Dict, List, Optional, Union

import alog
from caikit.core.exceptions import error_handler

from ..group_store.base import GroupStoreBase
from ..message import Message
from ..message_queue.base import MessageQueueBase
from .base import GroupingBase
from .factory import GROUPING_FACTORY, normalize_grouping_input
from .individual_grouping import IndividualGrouping

__all__ = ["ACTOR_RUN_CALLBACK", "SubscriptionManager", "SubscriptionState"]

log = alog.use_channel("SBMGR")
error = error_handler.get(log)

#: The actor's entry point: called with each completed group's message.
ACTOR_RUN_CALLBACK = Callable[[Message], None]


@dataclasses.dataclass
class SubscriptionState:
    """A snapshot of a subscription's work.

    Attributes:
        pending_messages: messages held in incomplete groups
        processing_messages: group messages the actor is handling right now
    """

    pending_messages: List[Message]
    processing_messages: List[Message]


class SubscriptionManager:
    """Feeds a grouping from message-queue topics and calls the actor with complete groups."""

    def __init__(
        self,
        subscription_id: str,
        message_queue: MessageQueueBase,
        group_store: GroupStoreBase,
        actor_run_callback: ACTOR_RUN_CALLBACK,
        grouping_input: Union[str, List[str]],
        grouping_type: str,
        grouping_config: Optional[Any] = None,
        extra_topics: Optional[List[str]] = None,
    ):
        """
        Args:
            subscription_id: the subscription's id; replicas use the same one
            message_queue: the queue to subscribe to
            group_store: where the grouping keeps shared state
            actor_run_callback: called with every completed group's message
            grouping_input: the content types to group (also the topics subscribed to)
            grouping_type: a grouping type name (an entry point of
                ``caikit_compose.groupings``: ``INDIVIDUAL``, ``KEY_GROUPING``, ...)
            grouping_config: the grouping's config (dict or ``aconfig.Config``)
            extra_topics: more topics to subscribe to (their messages go to the same grouping)

        Raises:
            TypeError: a malformed argument
            UnknownTypeError: no grouping of that type is installed
        """
        error.type_check("<CMP47120830E>", str, subscription_id=subscription_id)
        error.type_check("<CMP47120831E>", MessageQueueBase, message_queue=message_queue)
        if not callable(actor_run_callback):
            error.log_raise(
                "<CMP47120832E>",
                TypeError(f"actor_run_callback must be callable, got {actor_run_callback!r}"),
            )
        extra_topics = list(extra_topics or [])
        error.type_check_all("<CMP47120833E>", str, extra_topics=extra_topics)
        self._id = subscription_id
        self._mq = message_queue
        self._callback = actor_run_callback
        self.input_topics: List[str] = normalize_grouping_input(grouping_input)
        self.extra_topics: List[str] = extra_topics
        self.grouping_type = grouping_type
        self.grouping: GroupingBase = GROUPING_FACTORY.construct(
            {"type": grouping_type, "config": grouping_config or {}},
            subscription_id=subscription_id,
            group_store=group_store,
            grouping_input=self.input_topics,
        )
        # Skip the no-op hook on the hot path when the grouping does not override it.
        self._notify = (
            None
            if type(self.grouping).notify_not_busy is GroupingBase.notify_not_busy
            else self.grouping.notify_not_busy
        )
        self._lock = threading.Lock()
        self._processing: Dict[int, Message] = {}
        self._closed = False
        # INDIVIDUAL keeps no state and returns its input: skip the grouping call entirely
        handler = (
            self._pass_through()
            if type(self.grouping) is IndividualGrouping
            else self.handle_message
        )
        self._mq_subscriptions: List[str] = [
            message_queue.subscribe(topic, subscription_id, handler) for topic in self.topics
        ]

    # -- properties ------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The subscription id (the message-queue group id)."""
        return self._id

    @property
    def topics(self) -> List[str]:
        """Input topics followed by extra topics."""
        return self.input_topics + self.extra_topics

    @property
    def processing_count(self) -> int:
        """How many group messages the actor is handling right now."""
        return len(self._processing)

    @property
    def callback(self) -> ACTOR_RUN_CALLBACK:
        """The actor callback."""
        return self._callback

    @property
    def subscribed(self) -> bool:
        """Whether the manager still receives messages."""
        return bool(self._mq_subscriptions)

    # -- message flow ----------------------------------------------------------------------

    def handle_message(self, message: Message) -> None:
        """Feed ``message`` to the grouping; run the actor on the group it completes (if any)
        and on partial groups that expired meanwhile (if the grouping emits them)."""
        grouping = self.grouping
        result = grouping.add_message(message)
        if result is not None:
            if isinstance(result, list):  # one message completed several groups
                for group in result:
                    self._run(group)
            else:
                self._run(result)
        if grouping.has_expired:
            for partial in grouping.take_expired():
                self._run(partial)

    def _pass_through(self) -> Callable[[Message], None]:
        """The message handler for INDIVIDUAL: :meth:`_run` without the grouping, as a closure
        (this is the hot path of every single-input actor)."""
        processing = self._processing
        callback = self._callback

        def pass_through(message: Message) -> None:
            key = id(message)
            processing[key] = message
            try:
                callback(message)
            finally:
                del processing[key]

        pass_through.subscription_manager = self  # type: ignore[attr-defined]
        return pass_through

    def _run(self, message: Message) -> None:
        key = id(message)
        processing = self._processing
        processing[key] = message
        try:
            self._callback(message)
        finally:
            del processing[key]
            if self._notify is not None:
                self._notify()

    def expire(self, now: Optional[float] = None) -> int:
        """Sweep the grouping's idle partial groups now; deliver those it emits.

        Returns:
            how many partial groups were delivered
        """
        partials = self.grouping.expire(now) + self.grouping.take_expired()
        for partial in partials:
            self._run(partial)
        return len(partials)

    # -- lifecycle -------------------------------------------------------------------------

    def unsubscribe(self) -> None:
        """Stop receiving messages (idempotent). The grouping's state is left alone."""
        with self._lock:
            subscription_ids, self._mq_subscriptions = self._mq_subscriptions, []
        for subscription_id in subscription_ids:
            self._mq.unsubscribe(subscription_id)

    def close(self) -> None:
        """Unsubscribe, then close the grouping and deliver what it flushes (idempotent)."""
        self.unsubscribe()
        with self._lock:
            if self._closed:
                return
            self._closed = True
        flushed = self.grouping.close()
        if isinstance(flushed, Message):  # groupings written against 0.1.0 return one message
            flushed = [flushed]
        for message in flushed or ():
            self._run(message)

    def get_state(self) -> SubscriptionState:
        """Pending (incomplete-group) and processing (in-actor) messages."""
        return SubscriptionState(
            pending_messages=self.grouping.get_pending_messages(),
            processing_messages=list(self._processing.values()),
        )

    def __enter__(self) -> SubscriptionManager:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"SubscriptionManager(id={self._id!r}, grouping={self.grouping_type!r}, "
            f"topics={self.topics!r})"
        )
