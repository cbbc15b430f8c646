"""Streamed request bodies: newline-delimited JSON feeding a model's input ``DataStream``.

A client- or bidi-streaming request body is a sequence of JSON objects, one per line
(``Content-Type: application/x-ndjson``; ``application/ndjson``, ``application/jsonl`` and
``application/x-jsonlines`` too), each shaped like a unary request::

    {"inputs": <one element of the stream>, "parameters": {...}, "model_id": "m"}
    {"inputs": <the next element>}

``model_id`` comes from the first line (or the ``mm-model-id`` header, or the ``model_id`` query
parameter); ``parameters`` and any required input that is not streamed are taken from the first
line only. Blank lines are skipped. ``Content-Type: application/json`` with a JSON array of such
objects is accepted too, for clients that cannot stream.

:class:`LineReader` reads the body as it arrives (the model starts after the first line, while
later lines are still on their way), validates each line against the RPC's request message and
hands the streamed values to the model thread through a bounded queue: when the model falls
behind, the server stops reading from the socket.
"""
from __future__ import annotations

import asyncio
import queue
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from ._body import body_too_large, loads, media_type
from ._errors import HTTPError, ValidationError

__all__ = ["NDJSON_MEDIA_TYPES", "InputStreamError", "LineReader"]

NDJSON_MEDIA_TYPES = frozenset(
    ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
)

#: Elements queued for the model before the reader pauses.
HIGH_WATER = 64

_END = object()
_loads = loads


class InputStreamError(Exception):
    """Raised inside the model's input stream when the request stream broke (bad line, client
    gone); the handler reports ``error`` rather than whatever the model made of it."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


class LineReader:
    """Reads NDJSON request lines and feeds their streamed values to a model.

    Args:
        scope, receive: the ASGI request
        limit: most body bytes accepted in total (0: no limit)
        parse_line: ``f(decoded_json, first: bool) -> (model_id, request)`` for one line
        element_of: ``f(request) -> value`` of the streamed field(s)
    """

    def __init__(
        self,
        scope: Dict[str, Any],
        receive: Callable,
        limit: int,
        parse_line: Callable[[Any, bool], Tuple[Optional[str], Any]],
        element_of: Callable[[Any], Any],
    ):
        mtype = media_type(scope)
        if mtype is None:
            raise HTTPError(415, "Missing Content-Type: use application/x-ndjson.", detail=True)
        self.json_array = mtype == "application/json" or mtype.endswith("+json")
        if not self.json_array and mtype not in NDJSON_MEDIA_TYPES:
            raise HTTPError(415, f"Unsupported media type: {mtype}. Use application/x-ndjson.", detail=True)
        self._receive = receive
        self._limit = limit
        self._parse_line = parse_line
        self._element_of = element_of
        self._size = 0
        self._buffer = b""
        self._body_done = False
        self._pending: List[bytes] = []
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._queued = 0
        self._space = asyncio.Event()
        self._space.set()
        self._loop = asyncio.get_running_loop()
        self.disconnected = asyncio.Event()
        self.error: Optional[BaseException] = None
        self.lines = 0

    # -- reading the body (event loop) ------------------------------------------------------

    async def _more(self) -> bool:
        """Read one more body chunk into the buffer; False at the end of the body."""
        if self._body_done:
            return False
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self.disconnected.set()
            raise HTTPError(499, "Client closed the request")
        chunk = message.get("body", b"")
        self._size += len(chunk)
        if self._limit and self._size > self._limit:
            raise body_too_large(self._limit)
        self._buffer += chunk
        if not message.get("more_body", False):
            self._body_done = True
        return True

    async def _next_line(self) -> Optional[bytes]:
        """The next non-blank line of an NDJSON body, None at the end."""
        while True:
            if self._pending:
                return self._pending.pop(0)
            if self.json_array:
                while await self._more():
                    pass
                return None
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                lines = self._buffer.split(b"\n")
                self._buffer = lines.pop()
                self._pending = [ln for ln in lines if ln.strip()]
                continue
            if not await self._more():
                rest, self._buffer = self._buffer, b""
                return rest if rest.strip() else None

    def _decode(self, line: bytes, number: int) -> Any:
        try:
            return _loads(line)
        except (ValueError, RecursionError) as err:
            raise ValidationError(f"Line {number}: JSON decode error: {err}", ["body", number], "json_invalid") from None

    async def first(self) -> Tuple[Optional[str], Any]:
        """Read up to the first line: ``(model_id, its request dataobject)``.

        The first element is queued for the model.

        Raises:
            HTTPError / ValidationError: the body is empty, malformed, too large or of the
                wrong type
        """
        if self.json_array:
            await self._next_line()  # reads the whole (bounded) body
            try:
                items = _loads(self._buffer) if self._buffer.strip() else None
            except (ValueError, RecursionError) as err:
                raise ValidationError(f"JSON decode error: {err}", ["body"], "json_invalid") from None
            if not isinstance(items, list):
                raise ValidationError("Expected a JSON array of request objects", ["body"], "list_type")
            self._items: Iterator[Any] = iter(items)
            first_value = next(self._items, None)
            if first_value is None:
                raise ValidationError("The request stream is empty", ["body"], "missing")
        else:
            line = await self._next_line()
            if line is None:
                raise ValidationError("The request stream is empty", ["body"], "missing")
            first_value = self._decode(line, 1)
        self.lines = 1
        model_id, request = self._parse_line(first_value, True)
        self._put(self._element_of(request))
        return model_id, request

    async def feed(self) -> None:
        """Read the remaining lines into the queue, then mark its end (run as a task).

        A malformed line or a broken connection is recorded in :attr:`error` and raised inside
        the model's input stream.
        """
        try:
            while True:
                if self.json_array:
                    value = next(self._items, _END)
                    if value is _END:
                        break
                else:
                    line = await self._next_line()
                    if line is None:
                        break
                    value = self._decode(line, self.lines + 1)
                self.lines += 1
                _, request = self._parse_line(value, False)
                self._put(self._element_of(request))
                if self._queued >= HIGH_WATER:
                    self._space.clear()
                    await self._space.wait()
        except asyncio.CancelledError:
            self._queue.put(InputStreamError(HTTPError(499, "Request cancelled")))
            raise
        except Exception as err:
            self.error = err
            self._queue.put(InputStreamError(err))
            return
        self._queue.put(_END)

    async def feed_then_watch(self) -> None:
        """:meth:`feed`, then keep reading for ``http.disconnect`` (run as a task)."""
        await self.feed()
        if self.disconnected.is_set() or not self._body_done:
            return
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected.set()
                return

    async def wait_disconnect(self) -> None:
        """Complete when the client goes away."""
        await self.disconnected.wait()

    def _put(self, element: Any) -> None:
        self._queued += 1
        self._queue.put(element)

    # -- the model's side (worker thread) ---------------------------------------------------

    def _took_one(self) -> None:
        self._queued -= 1
        if self._queued < HIGH_WATER // 2 and not self._space.is_set():
            self._space.set()

    def elements(self) -> Iterator[Any]:
        """The streamed values, in order, blocking until each arrives (one pass)."""
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, InputStreamError):
                raise item
            self._loop.call_soon_threadsafe(self._took_one)
            yield item

    @property
    def body_done(self) -> bool:
        """Whether the whole body has been read."""
        return self._body_done and not self._pending
