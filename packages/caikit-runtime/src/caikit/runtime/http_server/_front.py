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

The counters need no lock: the event loop runs one callback at a time.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Dict, Optional

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
    """

    def __init__(
        self,
        app: Any,
        max_body_bytes: int = 0,
        max_in_flight: int = 0,
        hot_routes: Optional[Dict[str, Any]] = None,
    ):
        self.app = app
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
                await self.app(scope, receive, self._lifespan_send(send))
            else:
                await self.app(scope, receive, send)
            return
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
        if limit:
            for key, value in scope["headers"]:
                if key == b"content-length":
                    if int(value) > limit:  # h11 has checked it is a number
                        await refuse_body(receive, send, body_too_large(limit))
                        return
                    break
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
