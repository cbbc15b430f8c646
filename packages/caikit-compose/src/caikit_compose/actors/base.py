"""``ActorBase``: a unit of action in a caikit-compose application.

An actor subscribes itself to the message queue (through one or more
:class:`~caikit_compose.grouping.subscription_manager.SubscriptionManager`) and publishes what it
produces back onto the queue.
"""
from __future__ import annotations

import abc
from typing import Any, List, Optional, Union

from ..group_store.base import GroupStoreBase
from ..grouping.subscription_manager import SubscriptionManager
from ..message_queue.base import MessageQueueBase

__all__ = ["ActorBase"]


class ActorBase(abc.ABC):
    """Abstract actor: implement :meth:`subscribe`."""

    @abc.abstractmethod
    def subscribe(
        self, mq: MessageQueueBase, gs: GroupStoreBase, **grouping_config: Any
    ) -> Optional[Union[SubscriptionManager, List[SubscriptionManager]]]:
        """Connect the actor to ``mq`` (and ``gs`` for grouping state).

        Args:
            mq: the message queue
            gs: the group store
            **grouping_config: config for the actor's groupings

        Returns:
            The subscription manager(s) created
        """
