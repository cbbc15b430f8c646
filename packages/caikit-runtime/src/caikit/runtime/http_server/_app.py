"""Assemble the starlette application and the ASGI callable served by hypercorn.

``build_app(services, ...)`` returns an :class:`App`:

* ``starlette`` -- the starlette application: every route of :mod:`._routes`, ``/openapi.json``,
  ``/docs`` (``/redoc`` redirects there), JSON bodies for starlette's own errors (404, 405,
  500: ``{"detail", "details", "code", "id"}``, so clients of either shape keep working);
* ``asgi`` -- :class:`~._front.FrontMiddleware` around it: admission, body limit, hot routes
  (and inside those guards the configured ``runtime.http.middleware``, see :mod:`._extensions`);
* ``openapi`` -- the OpenAPI document (a dict).
"""
from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, Callable, Dict, List, Optional

from caikit.runtime.names import snake_to_upper_camel

from . import _wire
from ._context import HandlerContext
from ._docs import docs_page
from ._extensions import with_middleware
from ._front import FrontMiddleware
from ._openapi import build_document
from ._routes import RouteSpec, build_routes
from ._schema import SchemaRegistry

__all__ = ["App", "build_app"]

log = logging.getLogger("caikit.runtime.http_server")


@dataclasses.dataclass
class App:
    """The server's application objects."""

    starlette: Any
    asgi: FrontMiddleware
    openapi: Dict[str, Any]
    routes: List[RouteSpec]


class _MethodDispatch:
    """Several handlers on one path, chosen by method (so a 405 lists every allowed method)."""

    def __init__(self, handlers: Dict[str, Any]):
        self.handlers = handlers

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        method = scope["method"]
        handler = self.handlers["GET" if method == "HEAD" else method]  # the router checked it
        await handler(scope, receive, send)


def _starlette_routes(routes: List[RouteSpec]) -> List[Any]:
    from starlette.routing import Route

    by_path: Dict[str, Dict[str, Any]] = {}
    for route in routes:
        for method in route.methods:
            by_path.setdefault(route.path, {})[method] = route.handler
    result = []
    for path, handlers in by_path.items():
        endpoint = next(iter(handlers.values())) if len(handlers) == 1 else _MethodDispatch(handlers)
        result.append(Route(path, endpoint, methods=list(handlers)))
    return result


class _Static:
    """A fixed response (bytes computed at start-up)."""

    def __init__(self, body: bytes, content_type: bytes):
        self.body = body
        self.headers = ((b"content-type", content_type),)

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        await _wire.send_bytes(send, 200, self.body, self.headers)


def _error_handlers() -> Dict[Any, Any]:
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse

    async def http_exception(request: Any, exc: HTTPException) -> Any:
        body = _wire.error_body(exc.status_code, str(exc.detail), detail=True)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def unexpected(request: Any, exc: Exception) -> Any:
        from caikit.runtime.errors import to_runtime_exception

        err = to_runtime_exception(exc, f"{request.method} {request.url.path}")
        body = _wire.error_body(500, f"Unhandled exception: {err.message}", err.id)
        return JSONResponse(body, status_code=500)

    return {HTTPException: http_exception, Exception: unexpected}


def build_app(
    services: Any,
    ctx: HandlerContext,
    route_prefix: str = "api/v1",
    max_in_flight: int = 0,
    training_manager: Any = None,
    job_manager: Any = None,
    runtime_image: str = "",
    middleware: Optional[Callable[[Any], Any]] = None,
) -> App:
    """Build the application for ``services`` (a ``RuntimeServices``).

    Args:
        services: the generated services
        ctx: shared handler state (model manager, call runner, body limit, metrics)
        route_prefix: prefix of the task and train routes (``runtime.http.route_prefix``)
        max_in_flight: ``runtime.http.max_concurrent_requests`` (0: no limit)
        training_manager: serves train and training-management routes (None: not served)
        job_manager: serves prediction-job routes (None: not served)
        runtime_image: ``runtime.version_info.runtime_image`` (the OpenAPI version)
        middleware: wraps an ASGI app in ``runtime.http.middleware`` (None: nothing configured)

    Raises:
        ExtensionError: a middleware factory failed or returned something unusable
    """
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    registry = SchemaRegistry()
    routes = build_routes(services, ctx, registry, route_prefix, training_manager, job_manager)
    # the reference's intended title: UpperCamel(runtime.library) (contract §0, D3)
    title = snake_to_upper_camel(" ".join(str(services.library).split()).replace(" ", "_")) or services.domain
    document = build_document(routes, registry, title, services.library, runtime_image)
    spec_bytes = json.dumps(document).encode()

    async def redoc(request: Any) -> Any:
        return RedirectResponse("/docs")

    starlette_routes = _starlette_routes(routes)
    starlette_routes += [
        Route("/openapi.json", _Static(spec_bytes, b"application/json"), methods=["GET"]),
        Route("/docs", _Static(docs_page(title), b"text/html; charset=utf-8"), methods=["GET"]),
        Route("/redoc", redoc, methods=["GET"]),
    ]
    app = Starlette(routes=starlette_routes, exception_handlers=_error_handlers())
    hot = {r.path: r.handler for r in routes if r.hot and r.methods == ["POST"]}
    if middleware is None:
        front = FrontMiddleware(app, ctx.max_body_bytes, max_in_flight, hot)
    else:
        inner = with_middleware(middleware, app, hot, ctx.max_body_bytes)
        front = FrontMiddleware(inner, ctx.max_body_bytes, max_in_flight, other_app=app)
    log.debug(
        "HTTP routes: %s", ", ".join(f"{'|'.join(r.methods)} {r.path}" for r in routes)
    )
    return App(app, front, document, routes)
