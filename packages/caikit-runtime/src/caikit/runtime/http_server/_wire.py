"""Raw ASGI responses: the few shapes the server sends, without per-request objects.

Every handler of the server is a plain ASGI callable; these helpers write complete responses
with two ``send`` calls and precomputed header lists, which keeps starlette's ``Response``
machinery (and its per-request header bookkeeping) off the request path.

API:

* :func:`send_bytes` -- any complete response
* :func:`send_json` -- ``json.dumps`` of a value as ``application/json``
* :func:`send_error` -- the error body ``{"details", "code", "id"}`` (plus ``detail``)
* :func:`header` -- one request header (lower-case name) from the ASGI scope
* :func:`query_params` -- the query string as ``{name: [values]}``
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "JSON_CT",
    "TEXT_CT",
    "answer_cancelled",
    "error_body",
    "header",
    "query_params",
    "send_bytes",
    "send_error",
    "send_json",
]

Send = Callable[[Dict[str, Any]], Awaitable[None]]
Headers = Sequence[Tuple[bytes, bytes]]

JSON_CT = (b"content-type", b"application/json")
TEXT_CT = (b"content-type", b"text/plain; charset=utf-8")

_dumps = json.dumps


async def send_bytes(
    send: Send, status: int, body: bytes, headers: Sequence[Tuple[bytes, bytes]] = (JSON_CT,)
) -> None:
    """Send a complete response with a Content-Length."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any, extra_headers: Headers = ()) -> None:
    """Send ``json.dumps(value)`` (default separators, like the reference) as JSON."""
    await send_bytes(send, status, _dumps(value).encode(), (JSON_CT, *extra_headers))


def error_body(
    status: int,
    details: str,
    error_id: Optional[str] = None,
    additional_info: Optional[list] = None,
    detail: bool = False,
) -> Dict[str, Any]:
    """The error JSON of the runtime.

    Args:
        status: the HTTP status (the ``code`` field)
        details: the message
        error_id: the id also logged (a fresh 32-hex id by default)
        additional_info: validation errors, for 422 answers
        detail: also carry starlette/FastAPI's ``detail`` key, for errors the reference
            answered in that shape (404, 405, 415): clients of either shape keep working
    """
    body: Dict[str, Any] = {}
    if detail:
        body["detail"] = details
    body["details"] = details
    if additional_info is not None:
        body["additional_info"] = additional_info
    body["code"] = status
    body["id"] = error_id or uuid.uuid4().hex
    return body


async def send_error(
    send: Send,
    status: int,
    details: str,
    error_id: Optional[str] = None,
    additional_info: Optional[list] = None,
    detail: bool = False,
    extra_headers: Headers = (),
) -> None:
    """Send :func:`error_body` with ``status`` and ``Content-Type: application/json``."""
    await send_json(
        send, status, error_body(status, details, error_id, additional_info, detail), extra_headers
    )


async def answer_cancelled(send: Send) -> None:
    """Answer a request cancelled by the server's shutdown with 503 (best effort: the
    connection may already be going away)."""
    try:
        await send_error(send, 503, "The server is shutting down: the request was cancelled", extra_headers=[(b"connection", b"close")])
    except BaseException:
        pass


def header(scope: Dict[str, Any], name: bytes) -> Optional[bytes]:
    """The first value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def query_params(scope: Dict[str, Any]) -> Dict[str, List[str]]:
    """The query string, decoded, as ``{name: [values in order]}``."""
    raw = scope.get("query_string") or b""
    if not raw:
        return {}
    from urllib.parse import parse_qsl

    params: Dict[str, List[str]] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        params.setdefault(key, []).append(value)
    return params
