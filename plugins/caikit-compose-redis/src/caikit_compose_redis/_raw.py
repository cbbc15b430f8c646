"""Lean request/reply calls for the group store's hot path.

Groupings make two or three store calls per message, one after the other, so the client-side
cost of a call matters as much as the round trip. redis-py's client adds pooling, retry and
observability layers worth tens of microseconds per command; here each thread that uses the
store keeps one connection of its own and talks to it directly (``send_command`` /
``read_response``). Scripts go by ``EVALSHA`` and fall back to ``EVAL`` once after a server
restart emptied the script cache.
"""
from __future__ import annotations

import hashlib
import threading
from typing import Any, List, Sequence

import redis

from ._connection import CONNECTION_ERRORS, make_client
from ._settings import RedisSettings

__all__ = ["ClientCaller", "RawCaller", "Script"]


class Script:
    """A Lua script and its SHA1."""

    def __init__(self, source: str):
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


class RawCaller:
    """One connection per calling thread; calls raise the redis-py errors."""

    def __init__(self, settings: RedisSettings):
        self._pool = make_client(settings).connection_pool
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: List[Any] = []

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._pool.make_connection()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def call(self, *args: Any) -> Any:
        """Send one command and return its reply.

        Raises:
            redis.ResponseError: Redis answered with an error
            redis.ConnectionError, redis.TimeoutError, OSError: the connection failed (it is
                reset, so the next call reconnects)
        """
        conn = self._connection()
        try:
            conn.send_command(*args)
            return conn.read_response()
        except CONNECTION_ERRORS:
            conn.disconnect()
            raise

    def script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """Run ``script`` (``EVALSHA``, or ``EVAL`` when the server does not know it yet)."""
        try:
            return self.call("EVALSHA", script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return self.call("EVAL", script.source, len(keys), *keys, *args)

    def close(self) -> None:
        """Close every connection (threads reconnect if they call again)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.disconnect()
        self._local = threading.local()
        self._pool.disconnect()


class ClientCaller:
    """The same calls through a redis-py client (used for Redis Cluster, which routes each
    command to the node owning its first key)."""

    def __init__(self, client: Any):
        self._client = client

    def call(self, *args: Any) -> Any:
        """Send one command and return its reply."""
        return self._client.execute_command(*args)

    def script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """Run ``script`` (``EVALSHA``, or ``EVAL`` when the node does not know it yet)."""
        try:
            return self._client.evalsha(script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return self._client.eval(script.source, len(keys), *keys, *args)

    def close(self) -> None:
        """Nothing to do: the client is closed by its owner."""
