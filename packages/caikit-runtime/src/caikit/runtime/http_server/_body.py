"""Reading request bodies: size limit, Content-Type and JSON.

* A body whose ``Content-Length`` is above ``runtime.http.max_body_bytes`` is refused by the
  front middleware before anything is read (:mod:`._front`); a body without a length
  (``Transfer-Encoding: chunked``) is counted here as it arrives and refused with 413 as soon as
  it passes the limit, so no more than the limit plus one chunk is ever held.
* Task and train routes also take ``multipart/form-data`` (:func:`require_json_or_form`;
  the form is read by :mod:`._multipart`).
* JSON bodies need a JSON media type: ``application/json`` with any parameters
  (``; charset=utf-8`` included, which the reference refused) or any ``+json`` type. A missing
  or other Content-Type is a 415.
* Malformed JSON (bad syntax, bad UTF-8, nesting too deep) is a 422, never a 500.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable, Dict, Optional

from . import _wire
from ._errors import HTTPError, ValidationError

__all__ = [
    "BodyTooLarge",
    "is_json_media_type",
    "loads",
    "media_type",
    "parse_json",
    "read_body",
    "refuse_body",
    "require_json",
    "require_json_or_form",
]

#: How much of a refused body is read and thrown away, at most, so that the 413 arrives.
DISCARD_BYTES = 4 * 1024 * 1024
DISCARD_SECONDS = 2.0
_CLOSE = (b"connection", b"close")

def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


#: JSON as RFC 8259 has it: UTF-8, no NaN / Infinity (Python's json accepts those)
_decoder = json.JSONDecoder(parse_constant=_refuse_constant)
_decode = _decoder.decode


def loads(data: bytes) -> Any:
    """Decode a JSON document from UTF-8 bytes (a leading BOM is tolerated).

    Raises:
        ValueError: not UTF-8, not JSON, or a NaN / Infinity constant
        RecursionError: nested too deeply
    """
    text = data.decode("utf-8")
    if text[:1] == "\ufeff":
        text = text[1:]
    return _decode(text)


def media_type(scope: Dict[str, Any]) -> Optional[str]:
    """The request's media type (lower case, parameters removed), or None without one."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return None


def is_json_media_type(mtype: Optional[str]) -> bool:
    """``application/json`` or a ``+json`` structured-syntax type."""
    return mtype is not None and (mtype == "application/json" or mtype.endswith("+json"))


def require_json(scope: Dict[str, Any]) -> None:
    """Raise 415 unless the request declares a JSON body."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            if value == b"application/json":  # the common case, without decoding
                return
            mtype = value.decode("latin-1").split(";", 1)[0].strip().lower()
            if is_json_media_type(mtype):
                return
            raise HTTPError(
                415, f"Unsupported media type: {value.decode('latin-1')}. Use application/json.", detail=True
            )
    raise HTTPError(415, "Missing Content-Type: use application/json.", detail=True)


def require_json_or_form(scope: Dict[str, Any]) -> Optional[bytes]:
    """None for a JSON body; the Content-Type value for a ``multipart/form-data`` one (any
    Content-Type containing it, as in the reference); 415 for anything else.

    A JSON body costs what :func:`require_json` costs: the form check happens only once
    the Content-Type is known not to be ``application/json``.
    """
    for key, value in scope["headers"]:
        if key == b"content-type":
            if value == b"application/json":
                return None
            if b"multipart/form-data" in value.lower():
                return value
            mtype = value.decode("latin-1").split(";", 1)[0].strip().lower()
            if is_json_media_type(mtype):
                return None
            raise HTTPError(
                415,
                f"Unsupported media type: {value.decode('latin-1')}. Use application/json or multipart/form-data.",
                detail=True,
            )
    raise HTTPError(415, "Missing Content-Type: use application/json or multipart/form-data.", detail=True)


async def read_body(receive: Callable, limit: int) -> bytes:
    """The whole request body.

    Args:
        receive: the ASGI receive callable
        limit: most bytes accepted (0 = no limit)

    Raises:
        HTTPError: 413 once the body passes ``limit``; 499 if the client went away
    """
    message = await receive()
    if message["type"] != "http.request":
        raise HTTPError(499, "Client closed the request")
    body = message.get("body", b"")
    if not message.get("more_body", False):
        if limit and len(body) > limit:
            raise body_too_large(limit)
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise HTTPError(499, "Client closed the request")
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit and size > limit:
            raise body_too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodyTooLarge(HTTPError):
    """A request body above ``runtime.http.max_body_bytes``: 413, then the connection closes.

    Answer it with :func:`refuse_body`.
    """

    def __init__(self, limit: int):
        super().__init__(
            413,
            f"Request body too large: the limit is {limit} bytes (runtime.http.max_body_bytes)",
            headers=(_CLOSE,),
        )
        self.limit = limit


def body_too_large(limit: int) -> BodyTooLarge:
    """The 413 error for a body above ``limit`` bytes."""
    return BodyTooLarge(limit)


async def refuse_body(receive: Callable, send: Callable, err: HTTPError) -> None:
    """Answer ``err`` at once, then read and drop a bounded part of the unread body before
    ending the response.

    Closing a socket that still holds unread data makes the kernel reset the connection, and
    a client that is still sending then often loses the answer; reading a little more first
    (at most ``DISCARD_BYTES`` or ``DISCARD_SECONDS``) lets the answer arrive. Nothing read
    is kept.
    """
    payload = json.dumps(_wire.error_body(err.status, err.details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": err.status,
            "headers": [_wire.JSON_CT, _CLOSE, (b"content-length", b"%d" % len(payload))],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": True})
    deadline = time.monotonic() + DISCARD_SECONDS
    discarded = 0
    try:
        while discarded < DISCARD_BYTES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            message = await asyncio.wait_for(receive(), remaining)
            if message["type"] != "http.request":
                break
            discarded += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
    except asyncio.TimeoutError:
        pass
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def parse_json(body: bytes) -> Any:
    """Decode a JSON body.

    Raises:
        ValidationError: 422 for empty, malformed or too deeply nested JSON
    """
    if not body:
        raise ValidationError("Request body is empty: expected a JSON object", ["body"], "json_invalid")
    try:
        return loads(body)
    except RecursionError:
        raise ValidationError("JSON body is nested too deeply", ["body"], "json_invalid") from None
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise ValidationError(f"JSON decode error: {err}", ["body"], "json_invalid") from None
