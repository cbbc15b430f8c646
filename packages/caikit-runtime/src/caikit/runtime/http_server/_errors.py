"""What the HTTP server answers when something goes wrong.

Two sources of errors:

* the request itself (wrong Content-Type, malformed JSON, a value of the wrong type, a body
  too large, ...): handlers raise :class:`HTTPError` with the status to answer;
* everything the runtime or a model raises: mapped by
  :func:`caikit.runtime.errors.to_runtime_exception` onto a status code (contract §3.5:
  INVALID_ARGUMENT 400, NOT_FOUND 404, ..., anything unexpected 500 with an id that is logged).

Both become the JSON body ``{"details": ..., "code": <status>, "id": ...}`` with
``Content-Type: application/json`` (the reference sent caikit errors without a Content-Type).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

from caikit.runtime.errors import CaikitRuntimeException, StatusCode, to_runtime_exception

from . import _wire

__all__ = ["HTTPError", "ValidationError", "error_response_parts", "send_exception"]

log = logging.getLogger("caikit.runtime.http_server")


class HTTPError(Exception):
    """A request the server refuses, with the status and message to answer.

    Args:
        status: HTTP status code
        details: message for the client
        detail: also answer the ``detail`` key (starlette's shape, kept for 404/405/415 whose
            reference bodies had it)
        headers: extra response headers (e.g. ``Allow`` for 405)
    """

    def __init__(
        self,
        status: int,
        details: str,
        detail: bool = False,
        headers: Tuple[Tuple[bytes, bytes], ...] = (),
    ):
        super().__init__(details)
        self.status = status
        self.details = details
        self.detail = detail
        self.headers = headers
        self.additional_info: Optional[List[Dict[str, Any]]] = None


class ValidationError(HTTPError):
    """A request body that does not fit the request schema: 422 with ``additional_info``.

    Args:
        message: what is wrong (the ``details``)
        loc: where, as a path of keys from the body root (e.g. ``["body", "parameters", "x"]``)
        kind: a short machine-readable error type
    """

    def __init__(self, message: str, loc: Optional[List[Any]] = None, kind: str = "value_error"):
        super().__init__(422, message)
        self.additional_info = [{"type": kind, "loc": list(loc or ["body"]), "msg": message}]


def error_response_parts(err: BaseException, context: str = "") -> Tuple[int, Dict[str, Any]]:
    """The status and JSON body answering ``err``.

    Args:
        err: an :class:`HTTPError`, a runtime exception or anything a model raised
        context: what was being done (logged with unexpected errors)
    """
    if isinstance(err, HTTPError):
        return err.status, _wire.error_body(
            err.status, err.details, None, err.additional_info, err.detail
        )
    runtime_err = to_runtime_exception(err, context)
    status = runtime_err.code.http_status
    details = runtime_err.message
    if runtime_err.code is StatusCode.INTERNAL and not isinstance(err, CaikitRuntimeException):
        # The reference's wording for anything unexpected
        details = f"Unhandled exception: {details}"
    return status, _wire.error_body(status, details, runtime_err.id)


async def send_exception(
    send: _wire.Send, err: BaseException, context: str = "", receive: Any = None
) -> None:
    """Answer ``err`` as a complete JSON error response.

    Args:
        send: the ASGI send
        err: what went wrong
        context: what was being done (for the log of unexpected errors)
        receive: the ASGI receive; given, a 413 is answered with
            :func:`._body.refuse_body` (the unread body is partly drained so the answer arrives)
    """
    if receive is not None and isinstance(err, HTTPError) and err.status == 413:
        from ._body import refuse_body

        await refuse_body(receive, send, err)
        return
    status, body = error_response_parts(err, context)
    headers = err.headers if isinstance(err, HTTPError) else ()
    await _wire.send_json(send, status, body, list(headers))
