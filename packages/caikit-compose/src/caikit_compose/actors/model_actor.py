"""``ModelActor``: serve a caikit module's inference methods on the message queue.

::

    actor = ModelActor(model)            # every unary-input task method (or ``run``)
    actor.subscribe(mq, gs)              # creates the topics, subscribes, returns managers

For each method the actor subscribes to the full names of the parameters' data objects
(``INDIVIDUAL`` for one, ``KEY_GROUPING`` on ``header.data_id`` for several; see
:mod:`caikit_compose.actors._methods` for primitive parameters), calls the model with each
(group of) message(s), and publishes the result on the topic named by the result's full name,
keeping the input's ``data_id``, ``roi_id`` and metadata. A streamed output publishes every item.
Optional parameters are filled from message metadata entries of the same name.

The subscription id is **stable** (``<actor id>.<method>``, the actor id defaulting to the module
class name), so replicas of an actor, in one process or in many, form one consumer group and
share the work: each input is handled once. Give ``actor_id`` to run two differently configured
models of one class as separate actors.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Sequence

import alog
from caikit.core.data_model import DataStream
from caikit.core.exceptions import error_handler

from ..group_store.base import GroupStoreBase
from ..grouping.subscription_manager import SubscriptionManager
from ..message import Message, _json_copy, metadata_if_any
from ..message_queue.base import MessageQueueBase
from ._methods import ActorMethod, actor_method, default_method_names
from .base import ActorBase

__all__ = ["ActorMethod", "ModelActor"]

log = alog.use_channel("MAGNT")
error = error_handler.get(log)


class ModelActor(ActorBase):
    """An actor that runs a caikit module (see the module docstring).

    Attributes:
        model: the module instance
        actor_id: prefix of the subscription ids
        actor_methods: how each served method is wired
        subscriptions: the managers created by :meth:`subscribe`
    """

    def __init__(
        self,
        model: Any,
        actor_methods: Optional[Sequence[str]] = None,
        *,
        actor_id: Optional[str] = None,
        request_type: Optional[type] = None,
    ):
        """
        Args:
            model: an instance of a caikit module
            actor_methods: names of the methods to serve (default: every task method with
                unary inputs, or ``run``)
            actor_id: prefix of the stable subscription ids (default: the class name)
            request_type: a data object to subscribe to instead, whose fields carry the
                parameters of the same names (e.g. one ``Document(text: str)`` topic feeding
                several models whose task takes ``text: str``)

        Raises:
            TypeError: ``actor_methods`` is not a list, tuple or set of str
            ValueError: a named method does not exist or cannot be served
        """
        self.model = model
        model_class = type(model)
        if actor_methods is None:
            names = [name for _, name in default_method_names(model_class)]
        else:
            error.type_check_all("<CMP90431760E>", str, actor_methods=actor_methods)
            names = list(actor_methods)
        error.type_check("<CMP90431761E>", str, allow_none=True, actor_id=actor_id)
        self.actor_id = actor_id or model_class.__name__
        self.actor_methods: List[ActorMethod] = [
            actor_method(model_class, n, request_type) for n in names
        ]
        self.subscriptions: List[SubscriptionManager] = []

    def subscription_id(self, method: ActorMethod) -> str:
        """The stable subscription id of ``method`` (shared by replicas)."""
        return f"{self.actor_id}.{method.method_name}"

    def subscribe(
        self, mq: MessageQueueBase, gs: GroupStoreBase, **grouping_config: Any
    ) -> List[SubscriptionManager]:
        """Create the input and output topics and subscribe every served method.

        Args:
            mq: the message queue
            gs: the group store (for multi-input methods)
            **grouping_config: config of the methods' groupings (e.g. ``match_keys``)

        Returns:
            One :class:`SubscriptionManager` per served method
        """
        managers = []
        for method in self.actor_methods:
            for topic in method.input_topics:
                mq.create_topic(topic)
            if method.output_topic is not None:
                mq.create_topic(method.output_topic)
            runner = _MethodRunner(self, method, mq)
            managers.append(
                SubscriptionManager(
                    self.subscription_id(method),
                    mq,
                    gs,
                    runner,
                    method.input_topics,
                    method.grouping_type,
                    dict(grouping_config) if grouping_config else None,
                )
            )
        self.subscriptions.extend(managers)
        return managers

    def unsubscribe(self) -> None:
        """Close every subscription made by :meth:`subscribe`."""
        for manager in self.subscriptions:
            manager.close()
        self.subscriptions = []

    def __repr__(self) -> str:
        return f"ModelActor({type(self.model).__name__}, id={self.actor_id!r})"


class _MethodRunner:
    """The callback of one served method: builds the arguments, calls, publishes.

    Its ``actor``, ``method`` and ``output_topics`` attributes let tools (the graph renderer)
    describe the application.
    """

    def __init__(self, actor: ModelActor, method: ActorMethod, mq: MessageQueueBase):
        self.actor = actor
        self.method = method
        self._mq = mq
        self._call = getattr(actor.model, method.method_name)
        self._optional = frozenset(method.optional_parameters)
        self._params = list(method.task_parameters)
        self._by_type: Dict[str, str] = {}
        if method.request_type is None and method.grouping_type == "KEY_GROUPING":
            for topic, param in zip(method.input_topics, self._params):
                self._by_type[topic] = param
        self._known_topics = set(mq.topics()) if hasattr(mq, "topics") else set()
        self._topics_lock = threading.Lock()
        self.output_topics: List[str] = [method.output_topic] if method.output_topic else []

    @property
    def __name__(self) -> str:  # a readable name in logs and graphs
        return f"{type(self.actor.model).__name__}.{self.method.method_name}"

    def __call__(self, message: Message) -> None:
        result = self._call(**self._kwargs(message))
        if result is None:
            return
        if self.method.output_streaming or isinstance(result, DataStream):
            for item in result:
                if item is not None:
                    self._publish(item, message)
        else:
            self._publish(result, message)

    def _kwargs(self, message: Message) -> Dict[str, Any]:
        method = self.method
        body = message.unwrapped
        if method.request_type is not None:
            kwargs = {}
            for param in self._params:
                value = getattr(body, param, None)
                if method.input_streaming and isinstance(value, list):
                    value = DataStream.from_iterable(value)
                kwargs[param] = value
        elif self._by_type:
            kwargs = {}
            for member in body.messages:
                name = self._by_type.get(member.header.content_type)
                if name is not None:
                    kwargs[name] = member.unwrapped
            missing = [p for p in self._params if p not in kwargs]
            if missing:
                error.log_raise(
                    "<CMP90431762E>",
                    ValueError(
                        f"{self.__name__}: group {message.header.data_id!r} lacks "
                        f"parameters {missing!r}"
                    ),
                )
        else:
            kwargs = {self._params[0]: body}
        if self._optional:
            metadata = metadata_if_any(message)
            if metadata:
                for name in self._optional.intersection(metadata):
                    kwargs[name] = metadata[name]
        return kwargs

    def _publish(self, result: Any, source: Message) -> None:
        wrapper = self.method.output_wrapper
        if wrapper is not None and not isinstance(result, wrapper):
            result = wrapper(value=result)
        topic = getattr(result, "full_name", None)
        if not isinstance(topic, str):
            raise TypeError(f"{self.__name__} returned {result!r}, which is not a data object")
        if topic not in self._known_topics:
            with self._topics_lock:
                self._mq.create_topic(topic)
                self._known_topics.add(topic)
        header = source.header
        metadata = metadata_if_any(source)
        self._mq.publish(
            topic,
            Message.from_data(
                result,
                metadata=_json_copy(metadata) if metadata else None,
                data_id=header.data_id,
                roi_id=header.roi_id,
            ),
        )
