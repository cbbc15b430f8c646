"""Groupings: collecting messages into the groups actors act on."""
from .base import GroupingBase
from .factory import GROUPING_FACTORY, GroupingFactory
from .group_data import CompoundGroup, CompoundGroupState, GroupElement
from .subscription_manager import SubscriptionManager, SubscriptionState

__all__ = [
    "GROUPING_FACTORY",
    "CompoundGroup",
    "CompoundGroupState",
    "GroupElement",
    "GroupingBase",
    "GroupingFactory",
    "SubscriptionManager",
    "SubscriptionState",
]
