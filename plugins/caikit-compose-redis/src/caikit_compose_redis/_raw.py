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
from typing import Any, List, Sequence, Tuple

import redis

from ._connection import CONNECTION_ERRORS, make_client
from ._settings import RedisSettings

__all__ = ["ClientCaller", "RawCaller", "Script", "run_scripts"]


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

    def pipeline(self, commands: Sequence[Sequence[Any]]) -> List[Any]:
        """Send ``commands`` in one round trip; their replies in order, an error reply as the
        ``redis.ResponseError`` it stands for (not raised).

        Raises:
            redis.ConnectionError, redis.TimeoutError, OSError: the connection failed
        """
        conn = self._connection()
        try:
            conn.send_packed_command(conn.pack_commands(commands))
            replies: List[Any] = []
            for _ in commands:
                try:
                    replies.append(conn.read_response())
                except redis.ResponseError as err:
                    replies.append(err)
            return replies
        except CONNECTION_ERRORS:
            conn.disconnect()
            raise

    def scripts(self, calls: Sequence[Tuple[Script, Sequence[Any], Sequence[Any]]]) -> List[Any]:
        """Run several scripts in one round trip (see :func:`run_scripts`)."""
        return run_scripts(self, calls)

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

    def pipeline(self, commands: Sequence[Sequence[Any]]) -> List[Any]:
        """Send ``commands`` pipelined (one round trip per node); replies in order, error
        replies as exceptions."""
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        return pipe.execute(raise_on_error=False)

    def scripts(self, calls: Sequence[Tuple[Script, Sequence[Any], Sequence[Any]]]) -> List[Any]:
        """Run several scripts pipelined (see :func:`run_scripts`)."""
        return run_scripts(self, calls)

    def close(self) -> None:
        """Nothing to do: the client is closed by its owner."""


def run_scripts(caller: Any, calls: Sequence[Tuple[Script, Sequence[Any], Sequence[Any]]]) -> List[Any]:
    """Run ``(script, keys, args)`` calls through ``caller.pipeline`` by ``EVALSHA``; the calls
    the server refused for not knowing the script (they did not run) run again by ``EVAL``.
    Replies in order; error replies as exceptions (not raised)."""
    replies = caller.pipeline(
        [("EVALSHA", script.sha, len(keys), *keys, *args) for script, keys, args in calls]
    )
    unknown = [i for i, reply in enumerate(replies) if isinstance(reply, redis.exceptions.NoScriptError)]
    if unknown:
        again = caller.pipeline(
            [
                ("EVAL", calls[i][0].source, len(calls[i][1]), *calls[i][1], *calls[i][2])
                for i in unknown
            ]
        )
        for i, reply in zip(unknown, again):
            replies[i] = reply
    return replies
