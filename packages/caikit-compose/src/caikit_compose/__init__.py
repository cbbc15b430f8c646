"""caikit-compose: realtime AI applications built from actors on a pub/sub message queue.

Public names (imported on first use, so ``import caikit_compose`` stays cheap):

* ``Message``, ``MessageHeader``: the currency of the queue
* ``MQ_FACTORY``, ``MessageQueueBase``: message queues (``LOCAL`` built in)
* ``GROUP_STORE_FACTORY``, ``GroupStoreBase``: shared state of groupings (``LOCAL`` built in)
* ``GROUPING_FACTORY``, ``GroupingBase``, ``SubscriptionManager``: collecting messages into
  groups (``INDIVIDUAL``, ``KEY_GROUPING``, ``COUNT_GROUPING`` built in)
* ``ActorBase`` (and ``caikit_compose.actors.model_actor.ModelActor``)
"""
import importlib as _importlib

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


def __getattr__(name: str):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'caikit_compose' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
