"""Message queues: the pub/sub backbone of a caikit-compose application."""
from .base import CALLBACK, MessageQueueBase, SubscriptionInfo
from .factory import MQ_FACTORY

__all__ = ["CALLBACK", "MQ_FACTORY", "MessageQueueBase", "SubscriptionInfo"]
