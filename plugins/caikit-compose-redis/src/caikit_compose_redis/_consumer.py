"""One member of a consumer group: a thread with its own connection, reading one topic.

A subscriber group is a Redis consumer group on the topic's stream and each subscription is a
consumer in it, so every group gets each message once and its members share the work. Reads
are ``XREADGROUP ... COUNT <count> BLOCK <block_ms> NOACK``: best effort, as the LOCAL queue
(no pending-entry list, nothing is ever redelivered). The connection's socket timeout is
``block_ms`` plus ``socket_timeout``, so a blocking read always returns before it.

When the connection breaks the thread reconnects with capped backoff. When Redis restarted
empty the group is gone (``NOGROUP``): it is recreated at the last entry this member saw (new
entries get larger ids), so delivery resumes where it left off and nothing is delivered twice.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, List, Optional

import redis

from ._codec import decode
from ._connection import CONNECTION_ERRORS, Backoff, close_client, is_auth_error, make_client
from ._scripts import CREATE_GROUP, RELEASE_LEASE, TAKE_LEASE
from ._settings import RedisSettings

__all__ = ["Consumer", "create_group"]

# Log the first few malformed entries, then one in every _LOG_EVERY.
_LOG_FIRST = 10
_LOG_EVERY = 1000


def _raw(response: Any, **_options: Any) -> Any:
    return response


def create_group(client: redis.Redis, stream: str, group: str, start_id: str) -> str:
    """Create consumer group ``group`` on ``stream`` at ``start_id`` unless it exists.

    Returns:
        the group's last-delivered id
    """
    last = client.eval(CREATE_GROUP, 1, stream, group, start_id)
    return last.decode() if isinstance(last, bytes) else str(last)


class Consumer:
    """Reads one topic for one subscription and calls ``deliver(message)`` for each entry.

    Attributes:
        delivered: entries handed to ``deliver``
        malformed: entries skipped because they could not be decoded
        reconnects: how often the connection had to be re-established
    """

    def __init__(
        self,
        settings: RedisSettings,
        stream: str,
        topic: str,
        group: str,
        consumer: str,
        start_id: str,
        deliver: Callable[[Any, int], None],
        log: logging.Logger,
        lease_key: Optional[str] = None,
    ):
        """
        Args:
            settings: connection and read options
            stream: the topic's stream key
            topic: the topic (for logs)
            group: the consumer group (subscriber group id)
            consumer: this member's unique name
            start_id: the last entry the group had delivered when this member joined
            deliver: called with each decoded message and its publish sequence number
            log: where to log
            lease_key: for an exclusive (data-stream) member: the group's lease; the member
                reads only while it holds it, and takes it over when its holder goes away
        """
        self.settings = settings
        self.stream = stream
        self.topic = topic
        self.group = group
        self.name = consumer
        self.last_id = start_id
        self._deliver = deliver
        self._log = log
        self._lease_key = lease_key
        # A holder renews on every read; a lease outlives several reads and a slow handler.
        self._lease_ms = max(10_000, 3 * settings.block_ms)
        self._stop = threading.Event()
        self._client: Optional[redis.Redis] = None
        self.delivered = 0
        self.malformed = 0
        self.reconnects = 0
        self.holds_lease = False
        self._thread = threading.Thread(
            target=self._run, name=f"redis-mq-{topic}-{group}-{consumer}", daemon=True
        )

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """Stop after the batch being handled (a blocked read returns within ``block_ms``)."""
        self._stop.set()
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(self.settings.block_ms / 1000 + self.settings.socket_timeout + 1)

    @property
    def alive(self) -> bool:
        """Whether the reading thread runs."""
        return self._thread.is_alive()

    # -- the thread --------------------------------------------------------------------------

    def _connect(self) -> redis.Redis:
        if self._client is None:
            client = make_client(
                self.settings,
                max_connections=1,
                socket_timeout=self.settings.block_ms / 1000 + self.settings.socket_timeout,
            )
            # Raw replies: redis-py's per-entry conversion into dicts would cost more than
            # decoding the messages.
            client.set_response_callback("XREADGROUP", _raw)
            self._client = client
        return self._client

    def _run(self) -> None:
        backoff = Backoff(self.settings.max_backoff_s)
        settings = self.settings
        streams = {self.stream: ">"}
        outage = False
        while not self._stop.is_set():
            try:
                client = self._connect()
                if self._lease_key is not None and not self._hold_lease(client):
                    self._stop.wait(min(0.1, settings.block_ms / 1000))
                    continue
                reply = client.xreadgroup(
                    self.group,
                    self.name,
                    streams,
                    count=settings.count,
                    block=settings.block_ms,
                    noack=True,
                )
            except redis.ResponseError as err:
                if str(err).startswith("NOGROUP"):
                    self._recreate_group()
                    continue
                if is_auth_error(err):
                    self._log.error("<RDS10300001E> %s: %s", self._where(), err)
                else:
                    self._log.error("<RDS10300002E> %s: read failed: %s", self._where(), err)
                backoff.wait(self._stop)
                continue
            except CONNECTION_ERRORS as err:
                if not outage:
                    self._log.warning(
                        "<RDS10300003W> %s: lost Redis (%s); reconnecting", self._where(), err
                    )
                outage = True
                self.reconnects += 1
                backoff.wait(self._stop)
                continue
            if outage:
                self._log.info("<RDS10300004I> %s: Redis is back", self._where())
                outage = False
            backoff.reset()
            if reply:
                # RESP3 replies {stream: entries}, RESP2 [[stream, entries]]
                self._handle(next(iter(reply.values())) if isinstance(reply, dict) else reply[0][1])
        if self._client is not None:
            if self._lease_key is not None:
                try:
                    self._client.eval(RELEASE_LEASE, 1, self._lease_key, self.name)
                except (redis.RedisError, OSError):
                    pass  # it expires by itself
            close_client(self._client)

    def _hold_lease(self, client: redis.Redis) -> bool:
        held = bool(client.eval(TAKE_LEASE, 1, self._lease_key, self.name, self._lease_ms))
        if held and not self.holds_lease:
            self._log.info("<RDS10300008I> %s: now the group's exclusive member", self._where())
        self.holds_lease = held
        return held

    def _recreate_group(self) -> None:
        try:
            create_group(self._connect(), self.stream, self.group, self.last_id)
            self._log.warning(
                "<RDS10300005W> %s: consumer group was missing (Redis restarted empty?); "
                "recreated after entry %s",
                self._where(),
                self.last_id,
            )
        except redis.ResponseError as err:
            self._log.error("<RDS10300006E> %s: cannot recreate group: %s", self._where(), err)
            self._stop.wait(self.settings.max_backoff_s)
        except CONNECTION_ERRORS:
            pass

    def _handle(self, entries: List[Any]) -> None:
        deliver = self._deliver
        for entry in entries:
            entry_id, fields = entry
            self.last_id = entry_id
            try:
                # raw replies give [name, value]; a Cluster client's nodes give {name: value}
                if fields.__class__ is dict:
                    fields = [x for pair in fields.items() for x in pair]
                if len(fields) != 2:
                    raise ValueError(f"expected one field, got {len(fields) // 2}")
                sequence = int(fields[0])
                message = decode(fields[1])
            except (TypeError, ValueError) as err:
                self._skip(entry_id, fields, err)
                continue
            self.delivered += 1
            deliver(message, sequence)

    def _skip(self, entry_id: Any, fields: Any, err: BaseException) -> None:
        self.malformed += 1
        if self.malformed <= _LOG_FIRST or self.malformed % _LOG_EVERY == 0:
            shown = [f[:40] if isinstance(f, bytes) else f for f in (fields or ())][:6]
            self._log.warning(
                "<RDS10300007W> %s: skipped malformed entry %r (%s: %s) with fields %r "
                "(%d skipped so far)",
                self._where(),
                entry_id,
                type(err).__name__,
                err,
                shown,
                self.malformed,
            )

    def _where(self) -> str:
        return f"topic {self.topic!r} group {self.group!r} consumer {self.name!r}"
