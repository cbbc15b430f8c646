"""``GroupingBase``: how messages are collected into the groups an actor acts on.

A grouping receives every message of its subscription through :meth:`GroupingBase.add_message`
and returns a message for the actor when (and only when) a group completes. State that must
outlive one call lives in the group store, so replicas of a subscription share it.

Groupings are plugins: a distribution declares an entry point in the group
``caikit_compose.groupings`` whose name is the ``grouping_type``::

    [project.entry-points."caikit_compose.groupings"]
    SENTENCE = "my_pkg.sentence:SentenceGrouping"
"""
from __future__ import annotations

import abc
from typing import Any, ClassVar, Dict, List, Optional, Union

from caikit.core.toolkit.factory import FactoryConstructible

from ..group_store.base import GroupStoreBase
from ..message import Message

__all__ = ["GroupingBase"]


class GroupingBase(FactoryConstructible):
    """Abstract grouping.

    Attributes:
        config: the grouping's config (an ``aconfig.Config``)
        subscription_id: the subscription it serves (shared by replicas)
        group_store: where shared state lives
        grouping_input: the content types it groups
        has_expired: True while :meth:`take_expired` has partial groups to hand out
    """

    name: ClassVar[str] = ""

    #: Set by groupings whose expiry sweeps produced partial groups to deliver.
    has_expired: bool = False

    def __init__(
        self,
        config: Any,
        subscription_id: str,
        group_store: GroupStoreBase,
        grouping_input: List[str],
    ):
        """
        Args:
            config: the grouping's config section
            subscription_id: the subscription it serves
            group_store: the store for shared state
            grouping_input: the content types it groups
        """
        self.config = config
        self.subscription_id = subscription_id
        self.group_store = group_store
        self.grouping_input = list(grouping_input or ())

    @abc.abstractmethod
    def add_message(self, message: Message) -> Optional[Union[Message, List[Message]]]:
        """Add one message; return the completed group's message, or None.

        A grouping whose single input can complete several groups at once (e.g. a text chunk
        ending two sentences) returns a list of messages; each is delivered in order.
        """

    @abc.abstractmethod
    def get_pending_messages(self) -> List[Message]:
        """The messages held in incomplete groups."""

    def close(self) -> List[Message]:
        """Stop; return the partial groups to deliver (if the grouping flushes on close)."""
        return []

    def notify_not_busy(self) -> None:
        """Called after the actor finished with a group (hook for flow control)."""

    def expire(self, now: Optional[float] = None) -> List[Message]:
        """Expire partial groups idle for too long; return those to deliver as partials.

        Args:
            now: the group store's clock reading to judge idleness by (default: now)
        """
        return []

    def take_expired(self) -> List[Message]:
        """Hand out the partial groups that sweeps during :meth:`add_message` produced."""
        return []

    @property
    def stats(self) -> Dict[str, int]:
        """Counters of what the grouping dropped, expired and skipped."""
        return {}
