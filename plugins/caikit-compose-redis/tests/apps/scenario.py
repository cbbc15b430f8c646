"""One small application, run the same way on LOCAL, on REDIS in one process and on REDIS in
several processes, so that the tests can compare what each produces.

* ``KEY_GROUPING`` over the topics ``A`` and ``B`` (pairs matched by ``data_id``);
* ``COUNT_GROUPING`` over the topic ``C`` (windows of 5, stride 1);
* ``COUNT_GROUPING`` over the topic ``C`` (windows of 3, stride 3).

Every completed group is reduced to a plain, comparable value by :func:`describe`.
"""
from __future__ import annotations

import random
from typing import Any, Callable, List, Tuple

from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import Message, SubscriptionManager

TOPICS = ("A", "B", "C")
SUBSCRIPTIONS = {
    "pairs": ("KEY_GROUPING", ["A", "B"], {}),
    "slide": ("COUNT_GROUPING", ["C"], {"window_size": 5, "window_stride": 1}),
    "tumble": ("COUNT_GROUPING", ["C"], {"window_size": 3, "window_stride": 3}),
}


def inputs(pairs: int, series: int, seed: int = 7) -> List[Tuple[str, Message]]:
    """``(topic, message)`` in publish order: shuffled pair halves, a few unmatched halves, and
    a series on ``C`` interleaved with them."""
    rng = random.Random(seed)
    halves = [(t, i) for i in range(pairs) for t in ("A", "B")]
    halves += [("A", pairs + i) for i in range(3)]  # never completed
    rng.shuffle(halves)
    out: List[Tuple[str, Message]] = []
    c = 0
    for topic, i in halves:
        out.append((topic, _msg(topic, f"k{i}", {"n": i, topic: True})))
        while c < series and rng.random() < series / (series + len(halves)) * 2:
            out.append(("C", _msg("C", f"c{c}", {"c": c})))
            c += 1
    out.extend(("C", _msg("C", f"c{j}", {"c": j})) for j in range(c, series))
    return out


def _msg(topic: str, data_id: str, metadata: dict) -> Message:
    return Message.from_data(
        StrSequence([f"{topic}-{data_id}"]), metadata=metadata, data_id=data_id, content_type=topic
    )


def describe(subscription: str, group: Message) -> Any:
    """A group as a comparable value: its subscription, data_id, metadata and members."""
    body = group.unwrapped
    if hasattr(body, "series"):
        members = [[m.header.uid for m in element.messages] for element in body.series]
    else:
        members = sorted(m.header.uid for m in body.messages)
    return [
        subscription,
        group.header.content_type,
        group.header.data_id,
        group.metadata,
        members,
    ]


def subscribe(mq: Any, gs: Any, emit: Callable[[Any], None]) -> List[SubscriptionManager]:
    """Create the topics and the three subscriptions; ``emit(describe(...))`` per group."""
    for topic in TOPICS:
        mq.create_topic(topic)
    managers = []
    for name, (grouping, topics, config) in SUBSCRIPTIONS.items():
        managers.append(
            SubscriptionManager(
                name,
                mq,
                gs,
                lambda group, _name=name: emit(describe(_name, group)),
                topics,
                grouping,
                config,
            )
        )
    return managers


def expected_counts(pairs: int, series: int) -> dict:
    """How many groups each subscription completes."""
    return {"pairs": pairs, "slide": max(0, series - 4), "tumble": series // 3}
