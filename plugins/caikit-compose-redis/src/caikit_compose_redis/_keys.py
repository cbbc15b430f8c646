"""Names of the Redis keys the plugin uses.

Every key starts with the configured namespace. Keys that one Lua script touches together
share a *hash tag* (the part in braces), so they live in one hash slot and the scripts also run
on Redis Cluster:

``<ns>:mq:{<topic>}:s``   the topic's stream
``<ns>:mq:{<topic>}:n``   the topic's publish sequence (dense: 1, 2, 3, ...)
``<ns>:mq:{<topic>}:x:<group>``  the lease of the group's exclusive (data-stream) member
``<ns>:mq:topics``        the set of created topics
``<ns>:gs:{<grouping>}:<key>``        a group-store key (``<grouping>`` is the key up to its
                                      second ``/``, e.g. ``KEY_GROUPING/sub1``)
``<ns>:gs:{<grouping>}#version``     the grouping's version counter
"""
from __future__ import annotations

from typing import Optional

__all__ = ["MqKeys", "StoreKeys", "glob_escape"]


def glob_escape(text: str) -> str:
    """``text`` with Redis glob characters escaped (for ``SCAN MATCH``)."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class MqKeys:
    """Key names of the message queue in one namespace."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self.topics = f"{namespace}:mq:topics"

    def stream(self, topic: str) -> str:
        """The stream holding ``topic``'s messages."""
        return f"{self.namespace}:mq:{{{topic}}}:s"

    def lease(self, topic: str, group: str) -> str:
        """The lease naming the exclusive (data-stream) member of ``group`` on ``topic``."""
        return f"{self.namespace}:mq:{{{topic}}}:x:{group}"

    def sequence(self, topic: str) -> str:
        """The counter of ``topic``'s publish sequence."""
        return f"{self.namespace}:mq:{{{topic}}}:n"


class StoreKeys:
    """Key names of the group store in one namespace."""

    def __init__(self, namespace: str):
        self.namespace = namespace
        self._prefix = f"{namespace}:gs:"

    @staticmethod
    def tag(key: str) -> str:
        """The hash tag of a store key: everything up to its second ``/`` (the grouping)."""
        first = key.find("/")
        if first < 0:
            return key
        second = key.find("/", first + 1)
        return key if second < 0 else key[:second]

    def redis_key(self, key: str) -> str:
        """Where the store key ``key`` lives."""
        return f"{self._prefix}{{{self.tag(key)}}}:{key}"

    def version_counter(self, key: str) -> str:
        """The version counter shared by the keys of ``key``'s grouping."""
        return f"{self._prefix}{{{self.tag(key)}}}#version"

    def store_key(self, redis_key: str) -> Optional[str]:
        """The store key encoded in ``redis_key`` (inverse of :meth:`redis_key`), or None for
        the store's other keys (version counters)."""
        if not redis_key.startswith(self._prefix):
            return None
        rest = redis_key[len(self._prefix) :]
        close = rest.find("}:")
        if not rest.startswith("{") or close < 0:
            return None
        return rest[close + 2 :]

    def scan_pattern(self, prefix: str) -> str:
        """A ``SCAN MATCH`` pattern for the store keys starting with ``prefix``.

        The hash tag is only known when ``prefix`` reaches past the grouping part (contains a
        second ``/``); otherwise every key of the store is matched and the caller filters.
        """
        tag = self.tag(prefix)
        if tag != prefix:
            return f"{glob_escape(self._prefix)}{{{glob_escape(tag)}}}:{glob_escape(prefix)}*"
        return f"{glob_escape(self._prefix)}*"
