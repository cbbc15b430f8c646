"""caikit-compose: realtime AI applications built from actors on a pub/sub message queue.

Public names (imported on first use, so ``import caikit_compose`` stays cheap):

* ``Message``, ``MessageHeader``: the currency of the queue
* ``MQ_FACTORY``, ``MessageQueueBase``: message queues (``LOCAL`` built in)
* ``GROUP_STORE_FACTORY``, ``GroupStoreBase``: shared state of groupings (``LOCAL`` built in)
* ``GROUPING_FACTORY``, ``GroupingBase``, ``SubscriptionManager``: collecting messages into
  groups (``INDIVIDUAL``, ``KEY_GROUPING``, ``COUNT_GROUPING`` built in)
* ``ActorBase`` (and ``caikit_compose.actors.model_actor.ModelActor``)
"""
from caikit.core.toolkit.lazy_exports import lazy_exports as _lazy_exports

_LAZY = {
    "Message": "caikit_compose.message",
    "MessageHeader": "caikit_compose.message",
    "MQ_FACTORY": "caikit_compose.message_queue",
    "MessageQueueBase": "caikit_compose.message_queue",
    "GROUP_STORE_FACTORY": "caikit_compose.group_store",
    "GroupStoreBase": "caikit_compose.group_store",
    "GROUPING_FACTORY": "caikit_compose.grouping",
    "GroupingBase": "caikit_compose.grouping",
    "SubscriptionManager": "caikit_compose.grouping",
    "ActorBase": "caikit_compose.actors",
}

__all__ = sorted(_LAZY)
__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
