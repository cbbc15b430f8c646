"""Handlers of the routes that are not task predictions (contract §3.1).

* ``POST /api/v1/<Task><Module>Train`` -- body = the TrainRequest dataobject;
  answers ``TrainingJob`` ``{"training_id", "model_name"}`` at once
* ``GET`` / ``DELETE /management/trainings?training_id=`` -- status / cancel
* ``POST /management/models`` -- deploy ``{"model_id", "model_files": [{"filename", "data"}]}``
  (``data`` base64); ``DELETE /management/models?model_id=`` -- undeploy
* ``GET /info/version``, ``GET /info/models[?model_ids=a&model_ids=b]``, ``GET /health``
* prediction jobs: ``POST /api/v1/task/<task>/job``, ``GET`` / ``DELETE
  /api/v1/task/<task>/job?prediction_id=``, ``GET /api/v1/task/<task>/job/results?prediction_id=``

Train, deploy and prediction-job bodies may also be ``multipart/form-data`` (form keys are
the body's keys, dotted for nested fields; see :mod:`._forms`): a deploy form sends each model
file as a ``model_files`` file part whose file name is its path in the model directory.

Each handler parses its input, runs the transport-neutral operation of the runtime core in the
thread pool (they touch files and locks) and answers the resulting dataobject as JSON.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional

from caikit.runtime.errors import CaikitRuntimeException, StatusCode

from . import _wire
from ._body import parse_json, read_body, require_json_or_form
from ._context import HandlerContext
from ._errors import ValidationError, send_exception
from ._files import file_response
from ._fit import fit_check
from ._forms import ObjectForm, PredictForm
from ._multipart import read_form
from ._requests import PredictShape
from ._streams import to_json_bytes

__all__ = [
    "HealthHandler",
    "JobHandler",
    "JsonOperation",
    "QueryOperation",
    "train_request_defaults",
]

_OK_BODY = b"OK"


class HealthHandler:
    """``GET /health``: ``200 text/plain "OK"`` (the reference has no readiness logic)."""

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        await _wire.send_bytes(send, 200, _OK_BODY, (_wire.TEXT_CT,))


def _from_dict(request_type: Any, value: Any) -> Any:
    if type(value) is not dict:
        raise ValidationError("Input should be a valid dictionary or object", ["body"], "dict_type")
    try:
        request = request_type.from_dict(value)
    except (TypeError, ValueError) as err:
        raise ValidationError(str(err), ["body"], "type_error" if isinstance(err, TypeError) else "value_error") from None
    except RecursionError:
        raise ValidationError("Request is nested too deeply", ["body"]) from None
    check = fit_check(request_type)
    if check is not None:
        check(request)
    return request


class JsonOperation:
    """A route whose JSON (or ``multipart/form-data``) body is a dataobject handed to a
    runtime operation.

    Args:
        ctx: the shared handler context
        request_type: the dataobject class of the body
        operation: ``f(request) -> dataobject`` (runs in the thread pool)
        prepare: ``f(body_dict) -> body_dict`` applied before validation (defaults filling)
    """

    def __init__(
        self,
        ctx: HandlerContext,
        request_type: Any,
        operation: Callable[[Any], Any],
        prepare: Optional[Callable[[Dict[str, Any]], Dict[str, Any]]] = None,
    ):
        self.ctx = ctx
        self.request_type = request_type
        self.operation = operation
        self.prepare = prepare
        self.form = ObjectForm(request_type)

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        try:
            form = require_json_or_form(scope)
            if form is None:
                value = parse_json(await read_body(receive, self.ctx.max_body_bytes))
            else:
                value = self.form.to_body(await read_form(receive, form, self.ctx.form_limits))  # type: ignore[arg-type]
            if self.prepare is not None and type(value) is dict:
                value = self.prepare(value)
            request = _from_dict(self.request_type, value)
            result = await self.ctx.runner.run_in_pool(_run_to_json, (self.operation, request))
        except asyncio.CancelledError:
            await _wire.answer_cancelled(send)
            raise
        except Exception as err:
            await send_exception(send, err, getattr(self.request_type, "__name__", "request"), receive)
            return
        await _wire.send_bytes(send, 200, result)


class QueryOperation:
    """A route whose input is the query string.

    Args:
        ctx: the shared handler context
        operation: ``f(params: {name: [values]}) -> dataobject or dict`` (runs in the pool)
        files: answer the result as a file download when its class supports file
            operations (prediction job results, see :mod:`._files`)
    """

    def __init__(self, ctx: HandlerContext, operation: Callable[[Dict[str, List[str]]], Any], files: bool = False):
        self.ctx = ctx
        self.operation = operation
        self.files = files

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        try:
            params = _wire.query_params(scope)
            run = _run_to_file if self.files else _run_to_json
            result = await self.ctx.runner.run_in_pool(run, (self.operation, params))
        except asyncio.CancelledError:
            await _wire.answer_cancelled(send)
            raise
        except Exception as err:
            await send_exception(send, err, "query operation")
            return
        if self.files:
            body, headers = result
            await _wire.send_bytes(send, 200, body, headers)
            return
        await _wire.send_bytes(send, 200, result)


def _run_to_json(operation: Callable[[Any], Any], argument: Any) -> bytes:
    return to_json_bytes(operation(argument))


def _run_to_file(operation: Callable[[Any], Any], argument: Any) -> Any:
    return file_response(operation(argument))


def one_param(params: Dict[str, List[str]], name: str) -> str:
    """The single value of query parameter ``name``.

    Raises:
        CaikitRuntimeException: INVALID_ARGUMENT when it is missing or empty
    """
    values = params.get(name) or []
    if not values or not values[0]:
        raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Missing required query parameter {name}")
    return values[0]


# -- training -------------------------------------------------------------------------------


def _zero_value(field_type: Any) -> Any:
    """proto3's default for a scalar or list field (None for anything else)."""
    import typing

    if typing.get_origin(field_type) in (list, List):
        return []
    return {str: "", int: 0, float: 0.0, bool: False, bytes: ""}.get(field_type)


def train_request_defaults(rpc: Any) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """Fill required train parameters that the body leaves out with proto3 defaults.

    The reference's train requests went through protobuf, so ``{"parameters": {}}`` trained
    with ``""`` / ``0`` for required parameters; this keeps such clients working.
    """
    zeros = {}
    for param in getattr(rpc, "params", ()):
        if not param.optional:
            zero = _zero_value(param.field_type)
            if zero is not None:
                zeros[param.name] = zero

    def prepare(body: Dict[str, Any]) -> Dict[str, Any]:
        parameters = body.get("parameters")
        if not zeros or (parameters is not None and type(parameters) is not dict):
            return body
        filled = dict(zeros)
        if parameters:
            filled.update({k: v for k, v in parameters.items() if v is not None})
        return {**body, "parameters": filled}

    return prepare


# -- prediction jobs ------------------------------------------------------------------------


class JobHandler:
    """``POST /api/v1/task/<task>/job``: start a prediction job of a unary task.

    Args:
        rpc: the unary TaskRPC whose predictions run as jobs
        ctx: the shared handler context
        job_manager: the runtime's prediction job manager
    """

    def __init__(self, rpc: Any, ctx: HandlerContext, job_manager: Any):
        self.rpc = rpc
        self.ctx = ctx
        self.shape = PredictShape(rpc)
        self.form = PredictForm(self.shape)
        self.job_manager = job_manager

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        try:
            form = require_json_or_form(scope)
            if form is None:
                body = parse_json(await read_body(receive, self.ctx.max_body_bytes))
            else:
                body = self.form.to_body(await read_form(receive, form, self.ctx.form_limits))  # type: ignore[arg-type]
            model_id, data = self.shape.split(body)
            request = self.shape.to_request(data)
            model, binding = await self.ctx.resolve(model_id, self.rpc.binding_for)  # type: ignore[arg-type]
            kwargs = binding.kwargs_from_dataobject(request)
            job = self.job_manager.start(model, binding, kwargs)
        except Exception as err:
            await send_exception(send, err, self.rpc.name, receive)
            return
        await _wire.send_bytes(send, 200, to_json_bytes(job))
