"""caikit-compose-redis: the REDIS message queue and group store for caikit-compose.

Both are found by caikit-compose through entry points, never imported by name::

    mq = MQ_FACTORY.construct({"type": "REDIS", "config": {"url": "redis://redis:6379/0"}})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": {"url": "redis://redis:6379/0"}})

Public names (imported on first use, so importing the package does not import redis):
``RedisMessageQueue``, ``RedisGroupStore``, the errors in :mod:`caikit_compose_redis.errors`,
and ``publish_sequence(message)`` (kept for older code: delivered messages carry the number in
caikit-compose's ``message.publish_sequence``).
"""
import importlib as _importlib

_LAZY = {
    "RedisMessageQueue": "caikit_compose_redis.message_queue",
    "RedisGroupStore": "caikit_compose_redis.group_store",
    "publish_sequence": "caikit_compose_redis.message_queue",
    "MalformedEntryError": "caikit_compose_redis.errors",
    "RedisAuthenticationError": "caikit_compose_redis.errors",
    "RedisConfigError": "caikit_compose_redis.errors",
    "RedisUnavailableError": "caikit_compose_redis.errors",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'caikit_compose_redis' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
