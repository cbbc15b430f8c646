"""Where user middleware (``runtime.http.middleware``) sits: inside the runtime's guards.

:class:`~._front.FrontMiddleware` refuses what must be refused before anything else runs: 503
while shutting down or above ``max_concurrent_requests``, 413 for a ``Content-Length`` above
``max_body_bytes``. The configured middleware sits behind it, around what the front would
otherwise dispatch to itself (the hot task and train routes, then starlette's router). So:

* every admitted HTTP request passes through the middleware, hot routes included, and no
  refused one does (a middleware cannot turn a 413 or 503 into something else, nor spend
  work on a request the runtime will not serve);
* the lifespan events go to starlette directly, not through the middleware (factories run
  when the server is built: that is where start-up work goes);
* a body without a ``Content-Length`` is still bounded when a middleware reads it: past
  ``max_body_bytes`` its ``receive`` raises the runtime's 413 error, which the runtime
  answers as usual if the middleware lets it through and the response has not begun.

None of this exists when no middleware is configured (``build_app`` then composes the app
exactly as before).
"""
from __future__ import annotations

from typing import Any, Callable, Dict

from ._body import BodyTooLarge, body_too_large, refuse_body

__all__ = ["with_middleware"]


def with_middleware(wrap: Callable[[Any], Any], app: Any, hot_routes: Dict[str, Any], max_body_bytes: int) -> Any:
    """The ASGI app for the front middleware: ``wrap`` (the configured middleware, see
    :func:`caikit.runtime.extensions.http_middleware`) around the hot routes and ``app``.

    Raises:
        ExtensionError: a middleware factory failed or returned something unusable
    """
    return _Guarded(wrap(_Dispatch(app, hot_routes)), int(max_body_bytes or 0))


class _Dispatch:
    """The hot POST routes, then the router: what the front does when nothing is configured."""

    __slots__ = ("app", "hot_routes")

    def __init__(self, app: Any, hot_routes: Dict[str, Any]):
        self.app = app
        self.hot_routes = hot_routes

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            handler = self.hot_routes.get(scope["path"])
            if handler is not None:
                await handler(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Guarded:
    """The middleware chain, with the body limit carried into it (see the module docstring)."""

    __slots__ = ("chain", "max_body_bytes")

    def __init__(self, chain: Any, max_body_bytes: int):
        self.chain = chain
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if self.max_body_bytes and not any(key == b"content-length" for key, _ in scope["headers"]):
            receive = _LimitedReceive(receive, self.max_body_bytes)  # the front checked a length
        response = _ResponseSend(send)
        try:
            await self.chain(scope, receive, response)
        except BodyTooLarge as err:
            if response.started:
                raise
            await refuse_body(receive, send, err)


class _ResponseSend:
    """``send``, remembering whether the response has begun."""

    __slots__ = ("_send", "started")

    def __init__(self, send: Callable):
        self._send = send
        self.started = False

    async def __call__(self, message: Dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class _LimitedReceive:
    """``receive`` that raises the 413 error once the body passes ``limit`` bytes (once: the
    answer then reads the rest through it)."""

    __slots__ = ("_limit", "_receive", "_size")

    def __init__(self, receive: Callable, limit: int):
        self._receive = receive
        self._limit = limit
        self._size = 0

    async def __call__(self) -> Dict[str, Any]:
        message = await self._receive()
        if self._size >= 0 and message["type"] == "http.request":
            self._size += len(message.get("body", b""))
            if self._size > self._limit:
                self._size = -1
                raise body_too_large(self._limit)
        return message
