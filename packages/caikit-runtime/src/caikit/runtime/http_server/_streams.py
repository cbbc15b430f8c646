"""Streaming responses: server-sent events (the reference's framing) or NDJSON.

SSE (default, ``text/event-stream; charset=utf-8``), one event per produced object, CRLF line
endings exactly as the reference (sse-starlette) frames them::

    event: message\\r\\ndata: {"greeting": "Hi Gabe #0"}\\r\\n\\r\\n

An error once the stream has started is one final ``event: error`` whose data is the standard
error JSON ``{"details", "code", "id"}``; a ``: ping`` comment goes out after 15 s without an
event so that proxies keep the connection open.

NDJSON (``application/x-ndjson``, chosen by ``Accept: application/x-ndjson``), one JSON object
per line; an error is a final line ``{"error": {"details", "code", "id"}}``.

:func:`pump` iterates the model's output in the thread pool, one item per hand-off, so a slow
producer never blocks the event loop and a client that goes away cancels the producer.
"""
from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any, Callable, Coroutine, Dict, Iterator, List, Optional, Tuple

from caikit.runtime.cancellation import CancellableWork, WorkCancelled
from caikit.runtime.errors import CaikitRuntimeException, StatusCode

from ._errors import error_response_parts

__all__ = ["NDJSON", "SSE", "StreamFormat", "choose_format", "pump"]

PING_SECONDS = 15.0
_dumps = json.dumps


class StreamFormat:
    """How output objects and errors are framed."""

    media_type: bytes = b""

    def item(self, value: bytes) -> bytes:
        """One output object, given as its JSON text."""
        raise NotImplementedError

    def error(self, body: Dict[str, Any]) -> bytes:
        """The final error."""
        raise NotImplementedError

    def ping(self) -> bytes:
        """A keep-alive that carries no data (empty when the format has none)."""
        return b""

    @property
    def headers(self) -> List[Tuple[bytes, bytes]]:
        """Response headers."""
        return [
            (b"content-type", self.media_type),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
        ]


class _SSE(StreamFormat):
    media_type = b"text/event-stream; charset=utf-8"

    def item(self, value: bytes) -> bytes:
        return b"event: message\r\ndata: " + value + b"\r\n\r\n"

    def error(self, body: Dict[str, Any]) -> bytes:
        return b"event: error\r\ndata: " + _dumps(body).encode() + b"\r\n\r\n"

    def ping(self) -> bytes:
        return b": ping - " + str(datetime.datetime.now(datetime.timezone.utc)).encode() + b"\r\n\r\n"


class _NDJSON(StreamFormat):
    media_type = b"application/x-ndjson"

    def item(self, value: bytes) -> bytes:
        return value + b"\n"

    def error(self, body: Dict[str, Any]) -> bytes:
        return _dumps({"error": body}).encode() + b"\n"


SSE = _SSE()
NDJSON = _NDJSON()

_NDJSON_TYPES = (b"application/x-ndjson", b"application/ndjson", b"application/jsonl", b"application/x-jsonlines")


def choose_format(scope: Dict[str, Any]) -> StreamFormat:
    """NDJSON when the client's ``Accept`` names an NDJSON type, else SSE."""
    for key, value in scope["headers"]:
        if key == b"accept":
            lowered = value.lower()
            if any(t in lowered for t in _NDJSON_TYPES):
                return NDJSON
            return SSE
    return SSE


def _json_default(value: Any) -> Any:
    """JSON for the Python values a plain dict result may hold (datetimes, bytes, enums)."""
    import base64
    import enum

    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.name
    to_json_dict = getattr(value, "to_json_dict", None)
    if to_json_dict is not None:
        return to_json_dict()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json_bytes(value: Any) -> bytes:
    """The JSON text of what a model or an operation produced: a dataobject (its own
    ``to_json``, the reference's format) or a dict.

    Raises:
        CaikitRuntimeException: INTERNAL, the value is neither
    """
    to_json = getattr(value, "to_json", None)
    if to_json is not None:
        return to_json().encode()
    if isinstance(value, dict):
        return _dumps(value, default=_json_default).encode()
    raise CaikitRuntimeException(
        StatusCode.INTERNAL, f"The model produced {type(value).__name__!r}, not a data object"
    )


def _next_item(iterator: Iterator[Any]) -> Tuple[bool, Any]:
    # StopIteration cannot cross a future: report the end as a flag
    try:
        return True, to_json_bytes(next(iterator))
    except StopIteration:
        return False, None


async def start(send: Callable, fmt: StreamFormat) -> None:
    """Send the 200 response head of a stream."""
    await send({"type": "http.response.start", "status": 200, "headers": fmt.headers})


async def finish(send: Callable, fmt: StreamFormat, error: Optional[BaseException] = None) -> None:
    """End a started stream, with a final error frame if ``error``."""
    inner = getattr(error, "error", None)  # an input-stream failure raised inside the model
    if isinstance(inner, BaseException):
        error = inner
    if error is not None:
        _, body = error_response_parts(error, "streaming a response")
        await send({"type": "http.response.body", "body": fmt.error(body), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def pump(
    send: Callable,
    fmt: StreamFormat,
    pool: Any,
    produce: Callable[[], Any],
    disconnected: Callable[[], Coroutine[Any, Any, Any]],
    input_error: Callable[[], Optional[BaseException]] = lambda: None,
    abortable: bool = True,
) -> Optional[BaseException]:
    """Run ``produce()`` (returns an iterable) and stream what it yields, in a started stream.

    Every call into the model (``produce`` and each ``next``) runs in ``pool`` inside a
    :class:`CancellableWork`; when ``disconnected()`` completes first, the work is cancelled
    and the stream ends. Errors end the stream with an error frame; ``input_error()``, when
    it returns an error, is reported instead of what the model raised (the request stream
    broke first). With ``abortable`` False, running model work is never interrupted: the
    stream just stops asking for more.

    Returns:
        the error the stream ended with (None: success or client gone)
    """
    loop = asyncio.get_running_loop()
    work = CancellableWork()
    cancel = work.cancel if abortable else (lambda: None)

    def in_work(fn: Callable, *args: Any) -> Any:
        work.begin()
        try:
            return fn(*args)
        finally:
            work.end()

    watcher: asyncio.Task = loop.create_task(disconnected())
    error: Optional[BaseException] = None
    try:
        iterator: Any = None
        while True:
            if iterator is None:
                job = pool.submit(in_work, lambda: iter(produce()))
            else:
                job = pool.submit(in_work, _next_item, iterator)
            future = asyncio.wrap_future(job, loop=loop)
            while True:
                done, _ = await asyncio.wait((future, watcher), timeout=PING_SECONDS, return_when=asyncio.FIRST_COMPLETED)
                if future in done or watcher in done:
                    break
                ping = fmt.ping()
                if ping:
                    await send({"type": "http.response.body", "body": ping, "more_body": True})
            if not future.done():  # the client went away
                cancel()
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
                return None
            if iterator is None:
                iterator = future.result()
                continue
            more, value = future.result()
            if not more:
                break
            await send({"type": "http.response.body", "body": fmt.item(value), "more_body": True})
    except WorkCancelled:
        return None
    except asyncio.CancelledError:
        cancel()
        raise
    except Exception as err:
        error = input_error() or err
    finally:
        watcher.cancel()
    await finish(send, fmt, error)
    return error
