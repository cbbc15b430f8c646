"""What an application looks like: topics, subscribers (actors and handlers) and the edges."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional

from ..message_queue.base import MessageQueueBase

__all__ = ["AppGraph", "Edge", "Subscriber", "describe"]


@dataclasses.dataclass
class Subscriber:
    """One consumer group on the queue (replicas are folded into one node).

    Attributes:
        node_id: a stable identifier for the renderers
        label: what to display (the actor or handler name)
        group_id: the consumer group (the subscription id for managed subscriptions)
        grouping: the grouping type (``INDIVIDUAL``, ``KEY_GROUPING``, ...) or None for a bare
            handler
        replicas: how many members the group has
        inputs: topics it consumes
        outputs: topics it publishes to (as far as known)
        detail: extra text (e.g. the grouping's window)
    """

    node_id: str
    label: str
    group_id: str
    grouping: Optional[str]
    replicas: int
    inputs: List[str]
    outputs: List[str]
    detail: str = ""


@dataclasses.dataclass
class Edge:
    """A directed edge between a topic and a subscriber (``source`` and ``target`` are node ids)."""

    source: str
    target: str
    label: str = ""


@dataclasses.dataclass
class AppGraph:
    """A description of an application, independent of how it is drawn.

    Attributes:
        topics: every topic, sorted
        subscribers: every consumer group
        edges: topic -> subscriber (consumes) and subscriber -> topic (publishes)
        title: a caption
    """

    topics: List[str]
    subscribers: List[Subscriber]
    edges: List[Edge]
    title: str = "caikit-compose application"

    def topic_id(self, topic: str) -> str:
        """The node id of ``topic``."""
        return f"topic:{topic}"


def _handler_info(handler: Any) -> Dict[str, Any]:
    """Label, grouping and outputs of a subscription handler."""
    from ..grouping.subscription_manager import (  # pylint: disable=import-outside-toplevel
        SubscriptionManager,
    )

    owner = _manager_of(handler)
    if isinstance(owner, SubscriptionManager):
        callback = owner.callback
        grouping = owner.grouping
        detail = ""
        size = getattr(grouping, "window_size", None)
        if size is not None:
            detail = f"window {size}, stride {getattr(grouping, 'window_stride', 1)}"
        elif match_keys := getattr(grouping, "match_keys", None):
            detail = "match " + ", ".join(match_keys)
        return {
            "label": _name_of(callback),
            "grouping": owner.grouping_type,
            "outputs": list(getattr(callback, "output_topics", None) or []),
            "detail": detail,
        }
    return {
        "label": _name_of(handler),
        "grouping": None,
        "outputs": list(getattr(handler, "output_topics", None) or []),
        "detail": "",
    }


def _manager_of(handler: Any) -> Any:
    """The SubscriptionManager behind a handler (a bound method, or a closure marked with
    ``subscription_manager``), else None."""
    return getattr(handler, "subscription_manager", None) or getattr(handler, "__self__", None)


def _name_of(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if isinstance(name, str):
        return name.replace(".<locals>", "")
    return type(func).__name__


def describe(mq: MessageQueueBase, title: Optional[str] = None) -> AppGraph:
    """Describe the application running on ``mq`` from its topics and subscriptions.

    Subscribers made by :class:`~caikit_compose.grouping.SubscriptionManager` show their
    grouping; a callback (or handler) with an ``output_topics`` attribute (every
    :class:`~caikit_compose.actors.model_actor.ModelActor` method has one) shows what it
    publishes. Members of one consumer group are drawn once, with their replica count.
    """
    subscriptions = mq.subscriptions()
    topics = set(mq.topics())
    groups: Dict[tuple, Subscriber] = {}
    members: Dict[tuple, set] = {}
    for info in subscriptions:
        handler = _handler_info(info.handler)
        key = (info.group_id or f"<{handler['label']}>", handler["label"])
        sub = groups.get(key)
        if sub is None:
            sub = groups[key] = Subscriber(
                node_id=f"sub:{len(groups)}",
                label=handler["label"],
                group_id=info.group_id,
                grouping=handler["grouping"],
                replicas=0,
                inputs=[],
                outputs=[],
                detail=handler["detail"],
            )
            members[key] = set()
        owner = _manager_of(info.handler) or info.handler
        members[key].add(id(owner))
        if info.topic not in sub.inputs:
            sub.inputs.append(info.topic)
        for topic in handler["outputs"]:
            if topic not in sub.outputs:
                sub.outputs.append(topic)
    edges: List[Edge] = []
    graph = AppGraph(sorted(topics), list(groups.values()), edges)
    if title:
        graph.title = title
    for key, sub in groups.items():
        sub.replicas = len(members[key])
        for topic in sub.inputs + sub.outputs:
            topics.add(topic)
        for topic in sub.inputs:
            edges.append(Edge(graph.topic_id(topic), sub.node_id, sub.grouping or ""))
        for topic in sub.outputs:
            edges.append(Edge(sub.node_id, graph.topic_id(topic)))
    graph.topics = sorted(topics)
    return graph
