"""Running synchronous runtime and model code from the event loop.

Model code is synchronous. Handing each call to a worker thread costs two thread wake-ups
(measured here: about 0.2 ms of CPU and twice the latency of the whole request for a trivial
model), so :class:`CallRunner` places calls adaptively:

* a call *key* (model id + RPC) starts in the thread pool; its wall time is measured there;
* after ``QUALIFY`` consecutive pool calls that each took less than ``inline_max_seconds``
  (``runtime.http.inline_call_max_ms``, default 0.5 ms; 0 turns this off), the key's calls run
  directly on the event loop, where a call that fast blocks nothing for longer than the thread
  hand-off itself would have cost;
* an inline call above ``DEMOTE_FACTOR`` times the threshold (wall time, so a call that
  blocks on I/O counts) sends the key back to the pool, and it must qualify again with twice
  as many fast calls (up to a cap), so a model that is only sometimes fast does not keep
  stalling the loop. The margin keeps a busy machine's scheduling hiccups and GC pauses from
  demoting fast models; a long run of fast inline calls forgets earlier demotions.

Pool calls can be cancelled: :meth:`CallRunner.run_in_pool` runs the function inside a
:class:`~caikit.runtime.cancellation.CancellableWork` and, when the request's ASGI ``receive``
reports ``http.disconnect`` (or the request task is cancelled, e.g. at shutdown), raises
``WorkCancelled`` inside the model's thread and answers CANCELLED.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from typing import Any, Callable, Coroutine, Dict, Hashable, Optional

from caikit.runtime.cancellation import CancellableWork, WorkCancelled
from caikit.runtime.errors import CaikitRuntimeException, StatusCode

__all__ = ["CallRunner", "ClientDisconnected", "get_thread_pool", "wait_for_disconnect"]

#: Fast pool calls in a row before a key runs inline (doubled after each demotion).
QUALIFY = 16
_MAX_QUALIFY = QUALIFY << 6
#: An inline call this many times over the threshold goes back to the pool.
DEMOTE_FACTOR = 4
#: Inline calls in a row after which earlier demotions are forgotten.
_FORGIVE = 100_000

_perf_counter = time.perf_counter

_POOL: Optional[concurrent.futures.ThreadPoolExecutor] = None
_POOL_LOCK = threading.Lock()


def get_thread_pool(size: Optional[int] = None) -> concurrent.futures.Executor:
    """The thread pool model calls run in.

    The runtime's shared pool (``caikit.runtime.thread_pool.get_thread_pool``) when the core
    provides one, so gRPC and HTTP share ``runtime.server_thread_pool_size`` threads as in the
    reference; otherwise one pool for this server module, of that size.
    """
    global _POOL
    try:  # the core's shared pool, if there is one
        from caikit.runtime.thread_pool import get_thread_pool as shared  # type: ignore

        return shared()
    except ImportError:
        pass
    with _POOL_LOCK:
        if _POOL is None:
            if size is None:
                from caikit.config import get_config

                size = int(get_config().runtime.server_thread_pool_size or 0) or (os.cpu_count() or 1) * 5
            _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=size, thread_name_prefix="caikit-http")
        return _POOL


class ClientDisconnected(CaikitRuntimeException):
    """The client went away while its request was being served (CANCELLED, 499)."""

    def __init__(self) -> None:
        super().__init__(StatusCode.CANCELLED, "Client disconnected: the request was cancelled")


class _KeyStats:
    """Placement state of one call key."""

    __slots__ = ("fast_in_a_row", "inline", "inline_calls", "needed")

    def __init__(self) -> None:
        self.fast_in_a_row = 0
        self.inline = False
        self.needed = QUALIFY
        self.inline_calls = 0


def _no_cancel(*_args: object) -> None:
    """``CancellableWork.cancel`` when ``runtime.use_abortable_threads`` is off."""


def _retrieve_exception(future: asyncio.Future[Any]) -> None:
    # A cancelled call's outcome is not awaited by anybody: read it so asyncio does not log it.
    if not future.cancelled():
        future.exception()


async def wait_for_disconnect(receive: Callable) -> None:
    """Complete when ``receive`` reports ``http.disconnect`` (call only once the body is read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


Watch = Optional[Callable[[], Coroutine[Any, Any, Any]]]


class CallRunner:
    """Runs synchronous calls for the server's handlers (see the module docstring).

    Args:
        pool: the executor for calls that must not block the loop
        inline_max_seconds: longest call allowed to run on the event loop (0: never inline)
        abortable: cancel the model's work when the client goes away or the server stops
            (``runtime.use_abortable_threads``); when False the work runs to its end and
            its result is dropped
    """

    def __init__(self, pool: concurrent.futures.Executor, inline_max_seconds: float = 0.0005, abortable: bool = True):
        self.pool = pool
        self.abortable = abortable
        self.inline_max = float(inline_max_seconds)
        self.demote_after = self.inline_max * DEMOTE_FACTOR
        self._stats: Dict[Hashable, _KeyStats] = {}

    # -- placement --------------------------------------------------------------------------

    def stats_for(self, key: Hashable) -> _KeyStats:
        """The placement state of ``key`` (created on first use)."""
        stats = self._stats.get(key)
        if stats is None:
            if len(self._stats) > 100_000:  # bounded: forget everything rather than grow
                self._stats.clear()
            stats = self._stats[key] = _KeyStats()
        return stats

    def _record_pool(self, stats: _KeyStats, seconds: float) -> None:
        if not self.inline_max:
            return
        if seconds < self.inline_max:
            stats.fast_in_a_row += 1
            if stats.fast_in_a_row >= stats.needed:
                stats.inline = True
        else:
            stats.fast_in_a_row = 0

    def _demote(self, stats: _KeyStats) -> None:
        stats.inline = False
        stats.fast_in_a_row = 0
        stats.inline_calls = 0
        stats.needed = min(stats.needed * 2, _MAX_QUALIFY)

    async def call(self, key: Hashable, fn: Callable[..., Any], args: tuple, kwargs: Dict[str, Any], receive: Optional[Callable]) -> Any:
        """``fn(*args, **kwargs)`` inline or in the pool, as ``key``'s history says.

        Raises:
            ClientDisconnected: the client went away during a pool call (the call was
                cancelled)
            whatever ``fn`` raises
        """
        stats = self.stats_for(key)
        if stats.inline:
            start = _perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if _perf_counter() - start >= self.demote_after:
                    self._demote(stats)
                else:
                    stats.inline_calls += 1
                    if stats.inline_calls >= _FORGIVE:
                        stats.inline_calls = 0
                        stats.needed = QUALIFY
        watch = (lambda: wait_for_disconnect(receive)) if receive is not None else None
        return await self.run_in_pool(fn, args, kwargs, watch, stats)

    # -- pool calls -------------------------------------------------------------------------

    async def run_in_pool(
        self,
        fn: Callable[..., Any],
        args: tuple = (),
        kwargs: Optional[Dict[str, Any]] = None,
        disconnected: Watch = None,
        stats: Optional[_KeyStats] = None,
    ) -> Any:
        """``fn(*args, **kwargs)`` in a worker thread, cancelled if the client disconnects.

        Args:
            fn, args, kwargs: the call
            disconnected: returns an awaitable that completes when the client goes away
                (None: do not watch)
            stats: placement state to update with the call's duration

        Raises:
            ClientDisconnected: the client went away; the call was cancelled
        """
        work = CancellableWork()
        kwargs = kwargs or {}

        def job() -> Any:
            work.begin()
            start = _perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                work.end()
                if stats is not None:
                    self._record_pool(stats, _perf_counter() - start)

        loop = asyncio.get_running_loop()
        future = asyncio.wrap_future(self.pool.submit(job), loop=loop)
        cancel = work.cancel if self.abortable else _no_cancel
        if disconnected is None:
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                cancel()
                future.add_done_callback(_retrieve_exception)
                raise
        watcher: asyncio.Task = loop.create_task(disconnected())
        try:
            await asyncio.wait((future, watcher), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            cancel()
            watcher.cancel()
            future.add_done_callback(_retrieve_exception)
            raise
        if future.done():
            watcher.cancel()
            try:
                return future.result()
            except WorkCancelled:
                raise ClientDisconnected() from None
        # the client went away first
        cancel()
        future.add_done_callback(_retrieve_exception)
        raise ClientDisconnected()
