"""Subscriptions, consumer groups and per-topic routes of the LOCAL message queue.

Routes are immutable snapshots: ``subscribe``/``unsubscribe`` build a new tuple of groups for the
topic under a lock and swap it in, while ``publish`` reads the current snapshot without locking.
That is why handlers may subscribe and unsubscribe (even themselves) while a publish is running.
"""
from __future__ import annotations

import collections
import itertools
from typing import Any, Callable, Deque, Iterator, Optional, Tuple

__all__ = ["Group", "Subscription", "build_groups"]


class Subscription:
    """One member of one consumer group on one topic, with its (worker-pool) mailbox."""

    __slots__ = (
        "active",
        "group_id",
        "handler",
        "id",
        "inflight",
        "is_data_stream",
        "queue",
        "scheduled",
        "topic",
    )

    def __init__(
        self,
        subscription_id: str,
        topic: str,
        group_id: str,
        handler: Callable[[Any], None],
        is_data_stream: bool,
    ):
        self.id = subscription_id
        self.topic = topic
        self.group_id = group_id
        self.handler = handler
        self.is_data_stream = is_data_stream
        self.active = True
        # Worker-pool mailbox: messages waiting for this member, run by one worker at a time.
        self.queue: Deque[Any] = collections.deque()
        self.scheduled = False
        # messages queued or in the batch a worker is running: what back-pressure bounds
        self.inflight = 0

    def __repr__(self) -> str:
        return (
            f"Subscription(id={self.id!r}, topic={self.topic!r}, group_id={self.group_id!r}, "
            f"is_data_stream={self.is_data_stream!r})"
        )


class Group:
    """An immutable snapshot of a consumer group's members on one topic."""

    __slots__ = ("counter", "exclusive", "group_id", "members")

    def __init__(
        self,
        group_id: str,
        members: Tuple[Subscription, ...],
        counter: Iterator[int],
    ):
        self.group_id = group_id
        self.members = members
        # The earliest data-stream member takes every message; later ones are its fail-overs.
        self.exclusive: Optional[Subscription] = next(
            (m for m in members if m.is_data_stream), None
        )
        self.counter = counter

    def pick(self) -> Subscription:
        """The member that handles the next message (round robin unless one is exclusive)."""
        exclusive = self.exclusive
        if exclusive is not None:
            return exclusive
        members = self.members
        if len(members) == 1:
            return members[0]
        # next() on itertools.count is atomic under the GIL: concurrent publishers still
        # spread messages evenly.
        return members[next(self.counter) % len(members)]


def build_groups(
    members: Tuple[Subscription, ...], counters: dict
) -> Tuple[Group, ...]:
    """Group ``members`` (in subscription order) into :class:`Group` snapshots.

    Args:
        members: the topic's active subscriptions, oldest first
        counters: ``group_id -> itertools.count`` kept across rebuilds so that round robin
            continues where it was
    """
    by_group: dict = {}
    for member in members:
        by_group.setdefault(member.group_id, []).append(member)
    groups = []
    for group_id, group_members in by_group.items():
        counter = counters.get(group_id)
        if counter is None:
            counter = counters[group_id] = itertools.count()
        groups.append(Group(group_id, tuple(group_members), counter))
    for stale in set(counters) - set(by_group):
        del counters[stale]
    return tuple(groups)
