"""The server's routes, derived once from the generated services (contract §3.1).

Every route is a :class:`RouteSpec`: path, methods, an ASGI handler and its OpenAPI
operation. The app (:mod:`._app`) serves the list and the OpenAPI document is built from the
same list, so the two cannot disagree.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional

from caikit.runtime.errors import CaikitRuntimeException, StatusCode
from caikit.runtime.names import Flavour

from . import _openapi as oa
from ._context import HandlerContext
from ._files import supports_files
from ._management import (
    HealthHandler,
    JobHandler,
    JsonOperation,
    QueryOperation,
    one_param,
    train_request_defaults,
)
from ._predict import make_task_handler
from ._requests import PredictShape
from ._schema import SchemaRegistry

__all__ = ["RouteSpec", "build_routes"]


@dataclasses.dataclass
class RouteSpec:
    """One route.

    Attributes:
        path: URL path
        methods: HTTP methods (upper case)
        handler: the ASGI callable
        operation: its OpenAPI operation (None: not documented)
        hot: a POST route worth dispatching without the router (task and train routes)
    """

    path: str
    methods: List[str]
    handler: Any
    operation: Optional[Dict[str, Any]] = None
    hot: bool = False


_SSE_DESCRIPTION = (
    "Server-sent events: `event: message` per output object, `event: error` with the error JSON "
    "if the stream fails. With `Accept: application/x-ndjson`, one JSON object per line instead."
)
_NDJSON_DESCRIPTION = (
    "Newline-delimited JSON: one request object per line (`inputs` = one element of the stream); "
    "`model_id` and `parameters` are read from the first line (or the `mm-model-id` header, or the "
    "`model_id` query parameter). `application/json` with an array of the same objects also works."
)


def _stream_responses(item_schema: Dict[str, Any]) -> Dict[str, Any]:
    # OpenAPI 3.1: the ``schema`` of an event-stream media type describes one event
    event = {
        "type": "object",
        "properties": {
            "event": {"type": "string", "enum": ["message", "error"]},
            "data": {"type": "string", "contentMediaType": "application/json"},
        },
        "required": ["data"],
        "x-dataSchema": {"message": item_schema, "error": oa.ERROR_REF},
    }
    return {
        "200": {
            "description": _SSE_DESCRIPTION,
            "content": {
                "text/event-stream": {"schema": event},
                "application/x-ndjson": {"schema": {"type": "string"}, "x-itemSchema": item_schema},
            },
        }
    }


def _task_route(prefix: str, rpc: Any, ctx: HandlerContext, registry: SchemaRegistry) -> RouteSpec:
    shape = PredictShape(rpc)
    flavour = rpc.flavour
    output = registry.ref(rpc.response)
    if flavour.input_streaming:
        line = oa.predict_body_schema(shape, registry, streaming_line=True)
        first = oa.predict_body_schema(shape, registry)
        body = {
            "required": True,
            "description": _NDJSON_DESCRIPTION,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}, "x-itemSchema": line},
                "application/json": {"schema": {"type": "array", "minItems": 1, "prefixItems": [first], "items": line}},
            },
        }
    else:
        body = oa.json_or_form_body(oa.predict_body_schema(shape, registry), oa.predict_form_schema(shape, registry))
    if flavour.output_streaming:
        responses = _stream_responses(output)
    elif supports_files(rpc.response):
        responses = oa.file_response()
    else:
        responses = oa.json_response(output)
    responses.update(oa.error_responses())
    doc = (rpc.task.__doc__ or "").strip()
    operation = {
        "tags": [rpc.task.__name__],
        "summary": rpc.name,
        "operationId": rpc.name,
        "requestBody": body,
        "responses": responses,
    }
    if doc:
        operation["description"] = doc
    return RouteSpec(f"/{prefix}/task/{rpc.route}", ["POST"], make_task_handler(rpc, ctx), operation, hot=True)


def _train_route(prefix: str, rpc: Any, ctx: HandlerContext, registry: SchemaRegistry, training_manager: Any) -> RouteSpec:
    def start(request: Any) -> Any:
        return training_manager.start_training(rpc, request)

    handler = JsonOperation(ctx, rpc.request, start, train_request_defaults(rpc))
    responses = oa.json_response(registry.ref(rpc.response))
    responses.update(oa.error_responses())
    registry.ref(rpc.request)  # documented as a component too
    body_schema = {
        "title": f"{rpc.request.__name__}HttpRequest",
        "type": "object",
        "properties": {
            "model_name": oa.ID_SCHEMA,
            "parameters": oa.nullable(registry.ref(rpc.parameters)),
            "output_path": {"type": "null", "description": "S3 output is not supported by this runtime"},
        },
        "required": ["model_name"],
        "additionalProperties": False,
    }
    form_properties: Dict[str, Any] = {"model_name": oa.ID_SCHEMA}
    form = oa.form_schema(rpc.parameters, registry, title=f"{rpc.request.__name__}Form")
    form_properties.update({f"parameters.{name}": schema for name, schema in form["properties"].items()})
    form["properties"] = form_properties
    form["required"] = ["model_name"]
    operation = {
        "tags": ["Training"],
        "summary": rpc.name,
        "operationId": rpc.name,
        "requestBody": oa.json_or_form_body(body_schema, form),
        "responses": responses,
    }
    return RouteSpec(f"/{prefix}/{rpc.name}", ["POST"], handler, operation, hot=True)


def _op(tag: str, summary: str, response_schema: Dict[str, Any], parameters: Optional[list] = None, body: Optional[dict] = None) -> Dict[str, Any]:
    responses = oa.json_response(response_schema)
    responses.update(oa.error_responses())
    operation: Dict[str, Any] = {"tags": [tag], "summary": summary, "operationId": summary.replace(" ", "_"), "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    return operation


def _job_routes(prefix: str, rpc: Any, ctx: HandlerContext, registry: SchemaRegistry, job_manager: Any) -> List[RouteSpec]:
    from caikit.interfaces.runtime import data_model as dm

    shape = PredictShape(rpc)
    base = f"/{prefix}/task/{rpc.route}/job"
    id_param = [oa.query_parameter("prediction_id", {"type": "string", "minLength": 1})]
    status_ref = registry.ref(dm.PredictionJobStatusResponse)
    task = rpc.task.__name__
    files = supports_files(rpc.response)
    results_op = _op(task, f"{task}GetPredictionJobResult", registry.ref(rpc.response), id_param)
    if files:
        results_op["responses"].update(oa.file_response())
    return [
        RouteSpec(
            base, ["POST"], JobHandler(rpc, ctx, job_manager),
            _op(
                task, f"{task}StartPredictionJob", registry.ref(dm.PredictionJob),
                body=oa.json_or_form_body(oa.predict_body_schema(shape, registry), oa.predict_form_schema(shape, registry)),
            ),
        ),
        RouteSpec(
            base, ["GET"], QueryOperation(ctx, lambda p: job_manager.status(one_param(p, "prediction_id"))),
            _op(task, f"{task}GetPredictionJobStatus", status_ref, id_param),
        ),
        RouteSpec(
            base, ["DELETE"], QueryOperation(ctx, lambda p: job_manager.cancel(one_param(p, "prediction_id"))),
            _op(task, f"{task}CancelPredictionJob", status_ref, id_param),
        ),
        RouteSpec(
            f"{base}/results", ["GET"],
            QueryOperation(ctx, lambda p: job_manager.result(one_param(p, "prediction_id")), files=files),
            results_op,
        ),
    ]


def _management_routes(ctx: HandlerContext, registry: SchemaRegistry, services: Any, training_manager: Any) -> List[RouteSpec]:
    from caikit.interfaces.runtime import data_model as dm
    from caikit.runtime import info

    model_manager = ctx.model_manager
    routes: List[RouteSpec] = []
    if services.training_management is not None and training_manager is not None:
        id_param = [oa.query_parameter("training_id", {"type": "string", "minLength": 1})]
        status_ref = registry.ref(dm.TrainingStatusResponse)
        routes += [
            RouteSpec(
                "/management/trainings", ["GET"],
                QueryOperation(ctx, lambda p: training_manager.get_status(one_param(p, "training_id"))),
                _op("Training management", "GetTrainingStatus", status_ref, id_param),
            ),
            RouteSpec(
                "/management/trainings", ["DELETE"],
                QueryOperation(ctx, lambda p: training_manager.cancel(one_param(p, "training_id"))),
                _op("Training management", "CancelTraining", status_ref, id_param),
            ),
        ]
    if services.model_management is not None:

        def deploy(request: Any) -> Any:
            files = [(f.filename, f.data or b"") for f in request.model_files or []]
            return info.model_info(model_manager.deploy_model(request.model_id or "", files))

        def undeploy(params: Dict[str, List[str]]) -> Any:
            model_id = one_param(params, "model_id")
            model_manager.undeploy_model(model_id)
            return {"model_id": model_id}

        registry.ref(dm.DeployModelRequest)  # documented as a component too
        deploy_schema = {
            "title": "DeployModelHttpRequest",
            "type": "object",
            "properties": {
                "model_id": oa.ID_SCHEMA,
                "model_files": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "filename": {"type": "string", "minLength": 1, "description": "Path inside the model directory"},
                            "data": {"type": "string", "format": "byte", "contentEncoding": "base64"},
                            "type": {"type": ["string", "null"]},
                        },
                        "required": ["filename", "data"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["model_id", "model_files"],
            "additionalProperties": False,
        }
        deploy_form = {
            "title": "DeployModelForm",
            "type": "object",
            "description": "One `model_files` file part per file; its file name is its path in the model directory.",
            "properties": {
                "model_id": oa.ID_SCHEMA,
                "model_files": {"type": "array", "minItems": 1, "items": {"type": "string", "contentMediaType": "application/octet-stream"}},
            },
            "required": ["model_id", "model_files"],
        }
        routes += [
            RouteSpec(
                "/management/models", ["POST"], JsonOperation(ctx, dm.DeployModelRequest, deploy),
                _op("Model management", "DeployModel", registry.ref(dm.ModelInfo), body=oa.json_or_form_body(deploy_schema, deploy_form)),
            ),
            RouteSpec(
                "/management/models", ["DELETE"], QueryOperation(ctx, undeploy),
                _op("Model management", "UndeployModel", registry.ref(dm.UndeployModelRequest),
                    [oa.query_parameter("model_id", oa.ID_SCHEMA)]),
            ),
        ]
    routes += [
        RouteSpec(
            "/info/version", ["GET"], QueryOperation(ctx, lambda p: info.runtime_info()),
            _op("Info", "GetRuntimeInfo", registry.ref(dm.RuntimeInfoResponse)),
        ),
        RouteSpec(
            "/info/models", ["GET"],
            QueryOperation(ctx, lambda p: info.models_info(p.get("model_ids") or [], model_manager)),
            _op("Info", "GetModelsInfo", registry.ref(dm.ModelInfoResponse),
                [oa.query_parameter("model_ids", {"type": "array", "items": {"type": "string"}}, required=False)]),
        ),
        RouteSpec(
            "/health", ["GET"], HealthHandler(),
            {
                "tags": ["Info"], "summary": "Health", "operationId": "Health",
                "responses": {"200": {"description": "Serving", "content": {"text/plain": {"schema": {"type": "string", "const": "OK"}}}}},
            },
        ),
    ]
    return routes


def build_routes(
    services: Any,
    ctx: HandlerContext,
    registry: SchemaRegistry,
    route_prefix: str,
    training_manager: Any = None,
    job_manager: Any = None,
) -> List[RouteSpec]:
    """Every route of the server for ``services`` (a ``RuntimeServices``)."""
    prefix = route_prefix.strip("/")
    routes: List[RouteSpec] = []
    for rpc in services.task_rpcs:
        routes.append(_task_route(prefix, rpc, ctx, registry))
    if services.jobs is not None and job_manager is not None:
        for rpc in services.task_rpcs:
            if rpc.flavour is Flavour.UNARY:
                routes += _job_routes(prefix, rpc, ctx, registry, job_manager)
    if training_manager is not None:
        for rpc in services.train_rpcs:
            routes.append(_train_route(prefix, rpc, ctx, registry, training_manager))
    routes += _management_routes(ctx, registry, services, training_manager)
    _check_unique(routes)
    return routes


def _check_unique(routes: List[RouteSpec]) -> None:
    seen = set()
    for route in routes:
        for method in route.methods:
            key = (method, route.path)
            if key in seen:
                raise CaikitRuntimeException(StatusCode.INTERNAL, f"Two routes for {method} {route.path}")
            seen.add(key)
