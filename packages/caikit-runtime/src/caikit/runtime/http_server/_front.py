"""The outermost ASGI layer: admission (in-flight limit, draining), body size and hot routes.

For every HTTP request, before any routing or body reading:

1. while the server shuts down, new requests get ``503`` and ``Connection: close``;
2. above ``runtime.http.max_concurrent_requests`` requests in flight, ``503`` at once (with
   ``Retry-After: 1``): the request is not queued;
3. a ``Content-Length`` above ``runtime.http.max_body_bytes`` gets ``413`` before the body is
   read (bodies without a length are counted as they are read, see :mod:`._body`); see
   :func:`._body.refuse_body` for how the answer is made to arrive;
4. ``POST`` requests to a task or train route go straight to their handler; everything else
   goes through starlette's router.

With ``runtime.http.middleware`` configured, ``app`` is that middleware around the hot
routes and the router (:mod:`._extensions`), so user middleware only sees requests admitted
by 1-3, and the lifespan events go to ``other_app`` (the starlette application) directly.

The counters need no lock: the event loop runs one callback at a time.

A request answered without reading its whole body (an early 404, 413, 415 or 503) has the
rest of its body consumed and dropped in the background until hypercorn reports the
disconnect: hypercorn hands body chunks to the app through a queue of
``max_app_queue_size`` (10) entries and, once the app has returned, blocks forever on that
full queue, which leaves the connection (and its descriptor) open until shutdown and makes
a graceful shutdown wait for its whole grace period.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Dict, Optional, Set

from . import _wire
from ._body import body_too_large, refuse_body

__all__ = ["FrontMiddleware"]

_CLOSE = (b"connection", b"close")


class FrontMiddleware:
    """Admission control and fast dispatch in front of a starlette app.

    Args:
        app: the starlette application (router, docs, error handlers)
        max_body_bytes: request body limit (0: none)
        max_in_flight: most requests served at once (0: no limit)
        hot_routes: ``{path: handler}`` of POST routes dispatched without the router
        other_app: what serves the lifespan and other non-HTTP scopes (default: ``app``)
    """

    def __init__(
        self,
        app: Any,
        max_body_bytes: int = 0,
        max_in_flight: int = 0,
        hot_routes: Optional[Dict[str, Any]] = None,
        other_app: Any = None,
    ):
        self.app = app
        self.other_app = app if other_app is None else other_app
        self.max_body_bytes = int(max_body_bytes or 0)
        self.max_in_flight = int(max_in_flight or 0)
        self.hot_routes = dict(hot_routes or {})
        self.in_flight = 0
        self.draining = False
        self._idle: Optional[asyncio.Event] = None
        #: set once the server has started (the app completed its lifespan startup)
        self.started = threading.Event()

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.other_app(scope, receive, self._lifespan_send(send))
            else:
                await self.other_app(scope, receive, send)
            return
        # a request with a body gets wrapped receive/send (see the module docstring)
        tracker: Optional[_BodyTracker] = None
        length = b""
        for key, value in scope["headers"]:
            if key == b"content-length":
                length = value
                if value != b"0":
                    tracker = _BodyTracker(receive, send)
                    receive, send = tracker.receive, tracker.send
                break
            if key == b"transfer-encoding":
                tracker = _BodyTracker(receive, send)
                receive, send = tracker.receive, tracker.send
                break
        if self.draining:
            await _wire.send_error(send, 503, "The server is shutting down", extra_headers=[_CLOSE])
            return
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            await _wire.send_error(
                send, 503,
                f"Too many requests in flight (runtime.http.max_concurrent_requests={self.max_in_flight}); retry later",
                extra_headers=[(b"retry-after", b"1")],
            )
            return
        limit = self.max_body_bytes
        if limit and length and int(length) > limit:  # h11 has checked it is a number
            await refuse_body(receive, send, body_too_large(limit))
            return
        self.in_flight += 1
        try:
            if scope["method"] == "POST":
                handler = self.hot_routes.get(scope["path"])
                if handler is not None:
                    await handler(scope, receive, send)
                    return
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            if self.draining and self.in_flight == 0 and self._idle is not None:
                self._idle.set()
            if tracker is not None:
                tracker.discard_rest()

    def _lifespan_send(self, send: Callable) -> Callable:
        async def lifespan_send(message: Dict[str, Any]) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                self.started.set()

        return lifespan_send

    # -- shutdown ---------------------------------------------------------------------------

    async def drain(self, timeout: float) -> bool:
        """Refuse new requests and wait until those in flight finish (at most ``timeout`` s).

        Returns:
            whether every admitted request finished in time
        """
        self.draining = True
        if self.in_flight == 0:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


#: Background tasks dropping unread request bodies (kept referenced until they finish)
_DISCARDING: Set[asyncio.Task[None]] = set()
#: Longest wait for the next message of an unread body before giving up on it
_DISCARD_IDLE_SECONDS = 60.0


class _BodyTracker:
    """Wraps ASGI ``receive`` and ``send`` of a request with a body: when the response ends
    before the body was read to its end, the rest is dropped in the background (see the
    module docstring). It must start before the last ``send``, which itself waits for
    hypercorn's full queue."""

    __slots__ = ("_receive", "_send", "done")

    def __init__(self, receive: Callable, send: Callable):
        self._receive = receive
        self._send = send
        self.done = False

    async def receive(self) -> Dict[str, Any]:
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.done = True
        return message

    async def send(self, message: Dict[str, Any]) -> None:
        if not self.done and message["type"] == "http.response.body" and not message.get("more_body", False):
            self.discard_rest()
        await self._send(message)

    def discard_rest(self) -> None:
        """Read and drop the rest of the body in the background, until the disconnect
        hypercorn sends once the response is over."""
        if self.done:
            return
        self.done = True
        task = asyncio.get_running_loop().create_task(_discard(self._receive))
        _DISCARDING.add(task)
        task.add_done_callback(_DISCARDING.discard)


async def _discard(receive: Callable) -> None:
    try:
        while True:
            message = await asyncio.wait_for(receive(), _DISCARD_IDLE_SECONDS)
            if message["type"] != "http.request":
                return
    except (asyncio.TimeoutError, asyncio.CancelledError, OSError):
        return
