"""A bounded worker pool that keeps each subscription's messages in order.

Every subscription has a mailbox (a deque). A mailbox with messages is *scheduled* at most once
in the ready queue, so at most one worker runs a given subscription at a time: messages of one
subscription are handled one after another in publish order, while different subscriptions run
in parallel on up to ``threads`` workers.

Back-pressure: a publisher (outside the pool) waits while ``max_pending`` messages of the target
subscription are queued or being handled. Workers never wait for space, because a handler that publishes to a
full mailbox it must drain itself would deadlock; their publishes may overshoot the bound.

A subscription whose publisher gave up waiting (``publish_timeout``) is *stalled*: until its
handler makes room, publishes to it fail at once instead of waiting the timeout again, so a
handler that hangs costs the other groups one timeout, not one per message.
"""
from __future__ import annotations

import atexit
import collections
import logging
import threading
import time
import weakref
from typing import Any, Callable, Deque, List, Optional, Set

from ..errors import MessageQueueClosedError, MessageQueueFullError
from ._routing import Subscription

__all__ = ["WorkerPool"]

# How many messages a worker takes from one mailbox before letting other mailboxes run.
_BATCH = 64
# How long interpreter exit waits for queued messages to be delivered.
_EXIT_DRAIN_SECONDS = 10.0

_LIVE_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class WorkerPool:
    """``threads`` daemon workers serving per-subscription mailboxes."""

    def __init__(
        self,
        name: str,
        threads: int,
        max_pending: int,
        publish_timeout: Optional[float],
        invoke: Callable[[Subscription, Any], None],
        log: logging.Logger,
    ):
        """
        Args:
            name: the owning queue's instance name (thread names, errors)
            threads: number of worker threads (> 0)
            max_pending: per-mailbox bound for outside publishers; 0 means unbounded
            publish_timeout: seconds a publisher waits for space (None: forever)
            invoke: runs one handler call and deals with its failure
            log: channel for pool events
        """
        self.name = name
        self.threads = threads
        self.max_pending = max_pending
        self.publish_timeout = publish_timeout
        self._invoke = invoke
        self._log = log
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._space = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._ready: Deque[Subscription] = collections.deque()
        # subscriptions a publisher timed out on, until their handler makes room again
        self._stalled: Set[Subscription] = set()
        self._pending = 0
        self._space_waiters = 0
        self._closed = False  # no new messages from outside the pool
        self._stopping = False  # workers exit once the ready queue is empty
        self._discard = False  # shutdown(wait=False): drop what is still queued
        self._workers: List[threading.Thread] = []
        self._local = threading.local()
        _LIVE_POOLS.add(self)

    # -- publishing ------------------------------------------------------------------------

    def in_worker(self) -> bool:
        """Whether the calling thread is one of this pool's workers."""
        return getattr(self._local, "worker", False)

    def submit(self, sub: Subscription, message: Any) -> None:
        """Queue ``message`` for ``sub``.

        Raises:
            MessageQueueClosedError: the pool is shut down (nested publishes from handlers are
                still accepted while it drains)
            MessageQueueFullError: the mailbox stayed full for ``publish_timeout`` seconds
        """
        in_worker = self.in_worker()
        with self._lock:
            if self._stopping or (self._closed and not in_worker):
                raise MessageQueueClosedError(self.name, sub.topic)
            if self.max_pending and not in_worker and sub.inflight >= self.max_pending:
                if sub in self._stalled:
                    raise MessageQueueFullError(
                        sub.id, sub.topic, self.max_pending, float(self.publish_timeout or 0)
                    )
                self._wait_for_space(sub)
                if not sub.active:
                    return
            sub.queue.append(message)
            sub.inflight += 1
            self._pending += 1
            if not sub.scheduled:
                sub.scheduled = True
                self._ready.append(sub)
                self._work.notify()
            if not self._workers:
                self._start_workers()

    def _wait_for_space(self, sub: Subscription) -> None:
        deadline = None if self.publish_timeout is None else time.monotonic() + self.publish_timeout
        self._space_waiters += 1
        try:
            while sub.inflight >= self.max_pending and sub.active:
                if self._stopping or self._closed:
                    raise MessageQueueClosedError(self.name, sub.topic)
                if deadline is None:
                    self._space.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._stalled.add(sub)
                        raise MessageQueueFullError(
                            sub.id, sub.topic, self.max_pending, float(self.publish_timeout or 0)
                        )
                    self._space.wait(remaining)
        finally:
            self._space_waiters -= 1

    def _start_workers(self) -> None:
        for index in range(self.threads):
            worker = threading.Thread(
                target=self._run, name=f"mq-{self.name}-{index}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    # -- workers ---------------------------------------------------------------------------

    def _run(self) -> None:
        self._local.worker = True
        lock = self._lock
        invoke = self._invoke
        while True:
            with lock:
                while not self._ready:
                    if self._stopping:
                        return
                    self._work.wait()
                sub = self._ready.popleft()
                queue = sub.queue
                if self._discard:
                    self._pending -= len(queue)
                    sub.inflight -= len(queue)
                    queue.clear()
                    sub.scheduled = False
                    if self._pending == 0:
                        self._idle.notify_all()
                    continue
                count = min(len(queue), _BATCH)
                batch = [queue.popleft() for _ in range(count)]
            for message in batch:
                # An unsubscribed member's queued messages are dropped, not delivered.
                if sub.active:
                    invoke(sub, message)
            with lock:
                self._pending -= count
                sub.inflight -= count
                if self._stalled and sub.inflight < self.max_pending:
                    self._stalled.discard(sub)
                if self._space_waiters:
                    self._space.notify_all()
                if queue:
                    self._ready.append(sub)
                    self._work.notify()
                else:
                    sub.scheduled = False
                if self._pending == 0:
                    self._idle.notify_all()

    # -- lifecycle -------------------------------------------------------------------------

    def forget(self, sub: Subscription) -> None:
        """Wake publishers waiting on an unsubscribed member's mailbox."""
        with self._lock:
            self._stalled.discard(sub)
            if self._space_waiters:
                self._space.notify_all()

    @property
    def pending(self) -> int:
        """Messages queued or being handled."""
        return self._pending

    def drain(self, timeout: Optional[float] = None) -> bool:
        """Wait until every queued message was handled (including messages they publish).

        Returns:
            True when the pool is idle, False on timeout

        Raises:
            RuntimeError: called from one of the pool's own workers (it would wait for itself)
        """
        if self.in_worker():
            raise RuntimeError(
                f"drain() of message queue {self.name!r} called from its own worker thread"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._pending:
                if deadline is None:
                    self._idle.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._idle.wait(remaining)
        return True

    def shutdown(self, wait: bool = True, timeout: Optional[float] = None) -> None:
        """Stop taking messages from outside; with ``wait``, deliver everything queued first.

        Without ``wait`` queued messages are discarded. Workers are joined unless called from
        a worker thread.
        """
        with self._lock:
            self._closed = True
            if self._space_waiters:
                self._space.notify_all()
        if wait and not self.in_worker():
            self.drain(timeout)
        with self._lock:
            if not wait:
                self._discard = True
                while self._ready:
                    sub = self._ready.popleft()
                    self._pending -= len(sub.queue)
                    sub.inflight -= len(sub.queue)
                    sub.queue.clear()
                    sub.scheduled = False
            self._stopping = True
            self._work.notify_all()
            self._idle.notify_all()
            workers = list(self._workers)
        if not self.in_worker():
            current = threading.current_thread()
            for worker in workers:
                if worker is not current:
                    worker.join(timeout)


@atexit.register
def _drain_at_exit() -> None:  # pragma: no cover - runs at interpreter exit
    for pool in list(_LIVE_POOLS):
        try:
            pool.shutdown(wait=True, timeout=_EXIT_DRAIN_SECONDS)
        except Exception:  # pylint: disable=broad-except
            pass
