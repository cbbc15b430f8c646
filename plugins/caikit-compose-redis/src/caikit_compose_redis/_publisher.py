"""The background writer behind ``RedisMessageQueue.publish``.

``publish`` only encodes the message and appends it to a bounded buffer. One writer thread
takes everything buffered (up to ``_MAX_BATCH`` messages), groups it by topic in publish order,
and sends one ``PUBLISH`` script call per topic chunk in a single pipelined round trip. Under
load the batches grow by themselves; when idle, a message is written as soon as it arrives.

Failures follow the queue's best-effort contract, and never duplicate a message:

* a batch that could not be *sent* (no connection) is kept and retried with backoff, so
  messages published while Redis restarts are written once it is back;
* a batch whose reply was lost (the connection broke after sending) may or may not have been
  applied: it is dropped and counted in ``dropped``, never sent twice.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Deque, Dict, List, Optional, Tuple

import redis

from ._connection import CONNECTION_ERRORS, Backoff, is_cluster
from ._keys import MqKeys
from ._scripts import PUBLISH
from ._settings import RedisSettings

__all__ = ["Publisher"]

_MAX_BATCH = 5000
_CHUNK = 500  # payloads per script call (keeps single scripts short on the server)


class Publisher:
    """A buffer and its writer thread (see the module docstring)."""

    def __init__(
        self,
        settings: RedisSettings,
        client: redis.Redis,
        keys: MqKeys,
        log: logging.Logger,
        name: str,
    ):
        self._settings = settings
        self._client = client
        self._pool = getattr(client, "connection_pool", None)
        self._keys = keys
        self._log = log
        self._name = name
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._space = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._buffer: Deque[Tuple[str, bytes]] = collections.deque()
        self._in_flight = 0
        self._closed = False
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.written = 0
        self.dropped = 0
        self.last_sequence: Dict[str, int] = {}
        self._reregister = False

    # -- called by publishers ----------------------------------------------------------------

    def put(self, topic: str, payload: bytes) -> bool:
        """Queue one encoded message; waits while the buffer is full.

        Returns:
            False if the buffer stayed full for ``publish_timeout`` seconds
        """
        limit = self._settings.publish_buffer
        with self._lock:
            if len(self._buffer) >= limit and not self._wait_for_space(limit):
                return False
            self._buffer.append((topic, payload))
            if len(self._buffer) == 1:
                self._ready.notify()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"redis-mq-{self._name}-writer", daemon=True
                )
                self._thread.start()
        return True

    def _wait_for_space(self, limit: int) -> bool:
        timeout = self._settings.publish_timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        while len(self._buffer) >= limit:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            self._space.wait(remaining)
        return True

    @property
    def pending(self) -> int:
        """Messages buffered or being written."""
        return len(self._buffer) + self._in_flight

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Wait until everything buffered was written (or dropped).

        Returns:
            True when the buffer is empty, False if ``timeout`` passed first
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._buffer or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self, timeout: Optional[float] = None) -> None:
        """Flush, then stop the writer; what is left is dropped.

        Args:
            timeout: seconds to flush for; None flushes for as long as writing makes progress
                (it gives up after ``socket_timeout`` seconds without any)
        """
        if timeout is not None:
            self.flush(timeout)
        else:
            left = self.pending
            while not self.flush(self._settings.socket_timeout):
                now = self.pending
                if now >= left:
                    break
                left = now
        self._stop.set()
        with self._lock:
            self._closed = True
            self.dropped += len(self._buffer)
            self._buffer.clear()
            self._ready.notify_all()
            self._idle.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._settings.socket_timeout + 1)

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        backoff = Backoff(self._settings.max_backoff_s)
        batch: List[Tuple[str, bytes]] = []
        while True:
            with self._lock:
                while not self._buffer and not self._closed and not batch:
                    self._ready.wait()
                if self._closed:
                    return
                take = min(len(self._buffer), _MAX_BATCH - len(batch))
                batch.extend(self._buffer.popleft() for _ in range(take))
                self._in_flight = len(batch)
                self._space.notify_all()
            outcome, refused = self._write(batch)
            with self._lock:
                if outcome == "written":
                    self.written += len(batch) - refused
                    self.dropped += refused
                elif outcome == "dropped":
                    self.dropped += len(batch)
                if outcome != "retry":
                    batch = []
                    self._in_flight = 0
                    if not self._buffer:
                        self._idle.notify_all()
            if outcome == "retry":
                if backoff.wait(self._stop):
                    with self._lock:
                        self.dropped += len(batch)
                        self._in_flight = 0
                        self._idle.notify_all()
                    return
            else:
                backoff.reset()

    def _commands(self, batch: List[Tuple[str, bytes]]) -> List[Tuple[Optional[str], List[Any]]]:
        by_topic: Dict[str, List[bytes]] = {}
        for topic, payload in batch:
            by_topic.setdefault(topic, []).append(payload)
        commands: List[Tuple[Optional[str], List[Any]]] = []
        if self._reregister:
            # Redis may have restarted empty: make the topics known again to new processes.
            commands.append((None, ["SADD", self._keys.topics, *by_topic]))
        maxlen = str(self._settings.maxlen)
        keys = self._keys
        for topic, payloads in by_topic.items():
            stream, counter = keys.stream(topic), keys.sequence(topic)
            for start in range(0, len(payloads), _CHUNK):
                chunk = payloads[start : start + _CHUNK]
                commands.append(
                    (topic, ["EVAL", PUBLISH, "2", stream, counter, maxlen, *chunk])
                )
        return commands

    def _write(self, batch: List[Tuple[str, bytes]]) -> Tuple[str, int]:
        """Send ``batch`` in one round trip.

        Returns:
            (``written`` | ``retry`` (nothing was sent) | ``dropped`` (reply lost), how many
            messages Redis refused)
        """
        if is_cluster(self._client):
            return self._write_cluster(batch)
        try:
            conn = self._pool.get_connection()
        except CONNECTION_ERRORS as err:
            self._log.warning(
                "<RDS10200001W> Redis %s unreachable, holding %d messages: %s",
                self._settings.safe_url,
                len(batch) + len(self._buffer),
                err,
            )
            self._reregister = True
            return "retry", 0
        commands = self._commands(batch)
        refused = 0
        try:
            conn.send_packed_command(conn.pack_commands([c for _, c in commands]))
            for topic, command in commands:
                try:
                    reply = conn.read_response()
                    if topic is not None:
                        self.last_sequence[topic] = reply
                except redis.ResponseError as err:
                    lost = len(command) - 6 if topic is not None else 0
                    refused += lost
                    self._log.error(
                        "<RDS10200003E> Redis refused %d messages for topic %r: %s",
                        lost,
                        topic,
                        err,
                    )
        except CONNECTION_ERRORS as err:
            conn.disconnect()
            self._log.warning(
                "<RDS10200002W> lost the connection to Redis %s while publishing; dropped %d "
                "messages that may or may not have been written: %s",
                self._settings.safe_url,
                len(batch),
                err,
            )
            self._reregister = True
            return "dropped", 0
        finally:
            self._pool.release(conn)
        self._reregister = False
        return "written", refused

    def _write_cluster(self, batch: List[Tuple[str, bytes]]) -> Tuple[str, int]:
        """:meth:`_write` for a Redis Cluster: one pipelined round trip per node.

        After a failure the nodes are PINGed first, so that a batch is kept (not dropped) while
        the cluster is unreachable.
        """
        client = self._client
        try:
            if self._reregister:
                client.ping(target_nodes=client.PRIMARIES)
        except CONNECTION_ERRORS as err:
            self._log.warning(
                "<RDS10200001W> Redis Cluster %s unreachable, holding %d messages: %s",
                self._settings.safe_url,
                len(batch) + len(self._buffer),
                err,
            )
            return "retry", 0
        commands = self._commands(batch)
        pipe = client.pipeline(transaction=False)
        for _, command in commands:
            pipe.execute_command(*command)
        try:
            replies = pipe.execute(raise_on_error=False)
        except CONNECTION_ERRORS as err:
            self._log.warning(
                "<RDS10200002W> lost the connection to Redis Cluster %s while publishing; "
                "dropped %d messages that may or may not have been written: %s",
                self._settings.safe_url,
                len(batch),
                err,
            )
            self._reregister = True
            return "dropped", 0
        refused = 0
        for (topic, command), reply in zip(commands, replies):
            if isinstance(reply, Exception):
                lost = len(command) - 6 if topic is not None else 0
                refused += lost
                self._log.error(
                    "<RDS10200003E> Redis refused %d messages for topic %r: %s", lost, topic, reply
                )
            elif topic is not None:
                self.last_sequence[topic] = reply
        self._reregister = False
        return "written", refused
