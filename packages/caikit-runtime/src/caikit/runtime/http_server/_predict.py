"""Handlers of the task routes, one ASGI callable per inference RPC and flavour.

================  ===============================================  ==============================
flavour           route                                            body -> response
================  ===============================================  ==============================
unary             ``POST /api/v1/task/<task>``                     JSON / form -> JSON / file
server streaming  ``POST /api/v1/task/server-streaming-<task>``    JSON / form -> SSE or NDJSON
client streaming  ``POST /api/v1/task/client-streaming-<task>``    NDJSON -> JSON
bidi streaming    ``POST /api/v1/task/bidi-streaming-<task>``      NDJSON -> SSE or NDJSON
================  ===============================================  ==============================

Everything that can be decided at start-up is decided in the constructors (request shape,
bound methods of the shared context, metric names); the unary path per request is: read and
parse the body, build the request dataobject, look the model up, call it (inline or in the
pool, see :mod:`._calls`; a model whose calls are batched, see
:mod:`caikit.runtime.model_management.batcher`, always in the pool) and write
``json.dumps(result.to_dict())``. A
``multipart/form-data`` body (any Content-Type containing it) is read by :mod:`._multipart`
and turned into the same JSON shape by :mod:`._forms`; outputs whose class has
``supports_file_operations`` are answered as downloads (:mod:`._files`).
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Dict, Optional, Tuple

from caikit.runtime.model_management.batcher import Batcher
from caikit.runtime.names import Flavour

from . import _streams, _wire
from ._body import parse_json, read_body, refuse_body, require_json_or_form
from ._calls import wait_for_disconnect
from ._context import HandlerContext
from ._errors import HTTPError, ValidationError, error_response_parts
from ._files import call_and_file, supports_files
from ._forms import PredictForm
from ._multipart import read_form
from ._ndjson import InputStreamError, LineReader
from ._requests import MISSING_MODEL_ID, PredictShape

__all__ = ["make_task_handler"]

_perf = time.perf_counter
_JSON_HEADERS = (_wire.JSON_CT,)


def _call_and_encode(method: Callable[..., Any], kwargs: Dict[str, Any]) -> bytes:
    """Call the model and serialize its output (both off the loop when in the pool)."""
    return _streams.to_json_bytes(method(**kwargs))


def _request_context(scope: Dict[str, Any], receive: Callable) -> Any:
    """What a method's ``context_arg`` receives: the starlette ``Request``."""
    from starlette.requests import Request

    return Request(scope, receive)


class _TaskHandler:
    """Common parts of the four flavours."""

    def __init__(self, rpc: Any, ctx: HandlerContext):
        self.rpc = rpc
        self.name = rpc.name
        self.ctx = ctx
        self.shape = PredictShape(rpc)
        self.limit = ctx.max_body_bytes
        self.binding_for = rpc.binding_for
        self.form = PredictForm(self.shape)

    async def _read_form(self, content_type: bytes, receive: Callable) -> Dict[str, Any]:
        """The JSON-shaped body a ``multipart/form-data`` request holds."""
        parts = await read_form(receive, content_type, self.ctx.form_limits)  # type: ignore[arg-type]
        return self.form.to_body(parts)

    async def _fail(
        self, send: Callable, err: BaseException, model_id: Optional[str], began: float, receive: Callable
    ) -> None:
        status, body = error_response_parts(err, self.name)
        self.ctx.record(self.name, status, model_id, began)
        if status == 413:
            await refuse_body(receive, send, err)  # type: ignore[arg-type]
            return
        headers = list(err.headers) if isinstance(err, HTTPError) else []
        await _wire.send_json(send, status, body, headers)


class UnaryHandler(_TaskHandler):
    """``POST /api/v1/task/<task>``: JSON (or a form) in, JSON (or a file download) out.

    An output type with ``supports_file_operations`` is answered as a download (see
    :mod:`._files`); that is decided here, once.
    """

    def __init__(self, rpc: Any, ctx: HandlerContext):
        super().__init__(rpc, ctx)
        self.files = supports_files(rpc.response)
        self.encode = call_and_file if self.files else _call_and_encode

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        ctx = self.ctx
        ctx.started()
        began = _perf()
        model_id: Optional[str] = None
        try:
            form = require_json_or_form(scope)
            if form is None:
                body = parse_json(await read_body(receive, self.limit))
            else:
                body = await self._read_form(form, receive)
            model_id, data = self.shape.split(body)
            request = self.shape.to_request(data)
            model, binding = await ctx.resolve(model_id, self.binding_for)  # type: ignore[arg-type]
            kwargs = binding.kwargs_from_dataobject(request)
            if binding.context_arg:
                kwargs[binding.context_arg] = _request_context(scope, receive)
            method = getattr(model, binding.method_name)
            if method.__class__ is Batcher:
                # a batched call waits for its batch: always in the pool, never on the loop
                payload = await ctx.runner.run_in_pool(
                    self.encode, (method, kwargs), None, lambda: wait_for_disconnect(receive)
                )
            else:
                payload = await ctx.runner.call((model_id, self.name), self.encode, (method, kwargs), {}, receive)
        except asyncio.CancelledError:
            await _wire.answer_cancelled(send)
            raise
        except Exception as err:
            await self._fail(send, err, model_id, began, receive)
            return
        ctx.record(self.name, 200, model_id, began)
        if self.files:
            payload, headers = payload
            await _wire.send_bytes(send, 200, payload, headers)
            return
        await _wire.send_bytes(send, 200, payload, _JSON_HEADERS)


class ServerStreamingHandler(_TaskHandler):
    """``POST /api/v1/task/server-streaming-<task>``: JSON (or a form) in, SSE (or NDJSON) out.

    As in the reference, request-shape errors (415, 413, 422) are answered before the stream
    starts; a missing ``model_id``, an unknown model and model errors are an ``error`` event
    inside a 200 stream.
    """

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        ctx = self.ctx
        ctx.started()
        began = _perf()
        try:
            form = require_json_or_form(scope)
            if form is None:
                body = parse_json(await read_body(receive, self.limit))
            else:
                body = await self._read_form(form, receive)
            model_id, data = self.shape.split(body, require_model_id=False)
            request = self.shape.to_request(data)
        except Exception as err:
            await self._fail(send, err, None, began, receive)
            return
        fmt = _streams.choose_format(scope)
        await _streams.start(send, fmt)
        try:
            if model_id is None:
                raise HTTPError(400, MISSING_MODEL_ID)
            model, binding = await ctx.resolve(model_id, self.binding_for)
            kwargs = binding.kwargs_from_dataobject(request)
            if binding.context_arg:
                kwargs[binding.context_arg] = _request_context(scope, receive)
        except Exception as err:
            status, _ = error_response_parts(err, self.name)
            ctx.record(self.name, status, model_id, began)
            await _streams.finish(send, fmt, err)
            return
        method = getattr(model, binding.method_name)
        error = await _streams.pump(
            send, fmt, ctx.runner.pool, lambda: method(**kwargs), lambda: wait_for_disconnect(receive),
            abortable=ctx.runner.abortable,
        )
        ctx.record(self.name, _error_status(error, self.name), model_id, began)


def _error_status(error: Optional[BaseException], name: str) -> int:
    if error is None:
        return 200
    return error_response_parts(error, name)[0]


class _InputStreamingHandler(_TaskHandler):
    """Reading an NDJSON request stream into the model's input ``DataStream`` (s)."""

    def __init__(self, rpc: Any, ctx: HandlerContext):
        super().__init__(rpc, ctx)
        self.streamed = list(self.shape.streamed)

    def _parse_line(self, value: Any, first: bool) -> Tuple[Optional[str], Any]:
        model_id, data = self.shape.split(value, require_model_id=False)
        for name in self.streamed:
            if name not in data:
                raise ValidationError(
                    f"Every line needs its inputs: {name!r} is missing", ["body", "inputs"], "missing"
                )
        return model_id, self.shape.to_request(data)

    def _element_of(self, request: Any) -> Any:
        if len(self.streamed) == 1:
            return getattr(request, self.streamed[0])
        return {name: getattr(request, name) for name in self.streamed}

    def _reader(self, scope: Dict[str, Any], receive: Callable) -> LineReader:
        return LineReader(scope, receive, self.limit, self._parse_line, self._element_of)

    @staticmethod
    def _model_id(scope: Dict[str, Any], from_body: Optional[str]) -> str:
        if from_body:
            return from_body
        value = _wire.header(scope, b"mm-model-id")
        if value:
            return value.decode("latin-1")
        ids = _wire.query_params(scope).get("model_id")
        if ids and ids[0]:
            return ids[0]
        raise HTTPError(400, MISSING_MODEL_ID)

    def _kwargs(self, binding: Any, first_request: Any, reader: LineReader, scope: Dict[str, Any], receive: Callable) -> Dict[str, Any]:
        from caikit.core.data_model import DataStream

        kwargs = binding.kwargs_from_dataobject(first_request, include_streamed=False)
        source = DataStream.from_iterable(reader.elements())
        if len(self.streamed) == 1:
            kwargs[self.streamed[0]] = source
        else:
            for name in self.streamed:
                kwargs[name] = source.map(lambda element, name=name: element[name])
        if binding.context_arg:
            kwargs[binding.context_arg] = _request_context(scope, receive)
        return kwargs


class ClientStreamingHandler(_InputStreamingHandler):
    """``POST /api/v1/task/client-streaming-<task>``: NDJSON in, JSON out."""

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        ctx = self.ctx
        ctx.started()
        began = _perf()
        model_id: Optional[str] = None
        feeder: Optional[asyncio.Task] = None
        reader: Optional[LineReader] = None
        try:
            reader = self._reader(scope, receive)
            body_model_id, first = await reader.first()
            model_id = self._model_id(scope, body_model_id)
            model, binding = await ctx.resolve(model_id, self.binding_for)
            kwargs = self._kwargs(binding, first, reader, scope, receive)
            feeder = asyncio.get_running_loop().create_task(reader.feed_then_watch())
            payload = await ctx.runner.run_in_pool(
                _call_and_encode, (getattr(model, binding.method_name), kwargs), None, reader.wait_disconnect
            )
        except asyncio.CancelledError:
            await _wire.answer_cancelled(send)
            raise
        except Exception as raised:
            # a broken request stream is reported rather than what the model made of it
            if reader is not None and reader.error is not None:
                failure: BaseException = reader.error
            elif isinstance(raised, InputStreamError):
                failure = raised.error
            else:
                failure = raised
            await self._fail(send, failure, model_id, began, receive)
            return
        finally:
            if feeder is not None:
                feeder.cancel()
        if reader.error is not None:
            await self._fail(send, reader.error, model_id, began, receive)
            return
        ctx.record(self.name, 200, model_id, began)
        await _wire.send_bytes(send, 200, payload, _JSON_HEADERS)


class BidiStreamingHandler(_InputStreamingHandler):
    """``POST /api/v1/task/bidi-streaming-<task>``: NDJSON in, SSE (or NDJSON) out.

    The response starts once the first request line is read and valid; the model consumes
    later lines while its output is being sent.
    """

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        ctx = self.ctx
        ctx.started()
        began = _perf()
        try:
            reader = self._reader(scope, receive)
            body_model_id, first = await reader.first()
        except Exception as err:
            await self._fail(send, err, None, began, receive)
            return
        fmt = _streams.choose_format(scope)
        await _streams.start(send, fmt)
        model_id: Optional[str] = None
        feeder: Optional[asyncio.Task] = None
        try:
            try:
                model_id = self._model_id(scope, body_model_id)
                model, binding = await ctx.resolve(model_id, self.binding_for)
                kwargs = self._kwargs(binding, first, reader, scope, receive)
            except Exception as err:
                ctx.record(self.name, error_response_parts(err, self.name)[0], model_id, began)
                await _streams.finish(send, fmt, err)
                return
            feeder = asyncio.get_running_loop().create_task(reader.feed_then_watch())
            method = getattr(model, binding.method_name)
            error = await _streams.pump(
                send, fmt, ctx.runner.pool, lambda: method(**kwargs), reader.wait_disconnect,
                input_error=lambda: reader.error, abortable=ctx.runner.abortable,
            )
            ctx.record(self.name, _error_status(error, self.name), model_id, began)
        finally:
            if feeder is not None:
                feeder.cancel()


_HANDLERS = {
    Flavour.UNARY: UnaryHandler,
    Flavour.SERVER_STREAMING: ServerStreamingHandler,
    Flavour.CLIENT_STREAMING: ClientStreamingHandler,
    Flavour.BIDI_STREAMING: BidiStreamingHandler,
}


def make_task_handler(rpc: Any, ctx: HandlerContext) -> Any:
    """The ASGI handler of ``rpc`` (a TaskRPC) for its flavour."""
    return _HANDLERS[rpc.flavour](rpc, ctx)
