"""The OpenAPI 3.1 document of the server, built from the same route list the app serves.

Each :class:`~._routes.RouteSpec` carries its OpenAPI operation; this module provides the
pieces of those operations (request bodies of the task routes, responses, query parameters)
and assembles the document: ``info.title`` is UpperCamel(``runtime.library``),
``info.version`` is ``runtime.version_info.runtime_image`` (or this distribution's version
when that is empty), ``info.description`` the library's docstring, and every dataobject
schema lives under ``components/schemas`` (the reference's intent, which its FastAPI version
lost; contract §0 D3).
"""
from __future__ import annotations

import sys
from typing import Any, Dict, Iterable, List, Optional

from ._schema import SchemaRegistry, nullable

__all__ = [
    "ERROR_REF",
    "ERROR_SCHEMA",
    "ID_SCHEMA",
    "build_document",
    "error_responses",
    "json_body",
    "json_response",
    "predict_body_schema",
    "query_parameter",
]

ERROR_SCHEMA_NAME = "caikit.runtime.http.Error"
ERROR_SCHEMA: Dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "details": {"type": "string", "description": "What went wrong"},
        "code": {"type": "integer", "description": "The HTTP status"},
        "id": {"type": "string", "description": "Error id, also in the server's log"},
        "detail": {"type": "string", "description": "Same as details (starlette's key, on 404/405/415)"},
        "additional_info": {"type": "array", "items": {"type": "object"}, "description": "Validation errors (422)"},
    },
    "required": ["details", "code", "id"],
}
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
_ERROR_REF = ERROR_REF

#: A model id or model name: one directory entry of the models directory
ID_SCHEMA: Dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[^/\\\\\\x00-\\x1f\\x7f]*[^/\\\\\\x00-\\x1f\\x7f. ][^/\\\\\\x00-\\x1f\\x7f]*$",
    "description": "A model id: no path separators or control characters, not blank, not '.' or '..'",
}

_COMMON_ERRORS = {
    "400": "Invalid argument (a value the model refuses, a missing model_id)",
    "404": "Not found (unknown model, training or route)",
    "413": "Request body above runtime.http.max_body_bytes",
    "415": "Unsupported Content-Type",
    "422": "The body does not fit the request schema",
    "500": "Unexpected error (logged with the error id)",
    "503": "Too many requests in flight, or shutting down",
}


def error_responses(codes: Iterable[str] = tuple(_COMMON_ERRORS)) -> Dict[str, Any]:
    """Error responses of an operation (the listed codes, plus ``default``)."""
    responses = {
        code: {"description": _COMMON_ERRORS.get(code, "Error"), "content": {"application/json": {"schema": _ERROR_REF}}}
        for code in codes
    }
    responses["default"] = {"description": "Any other error", "content": {"application/json": {"schema": _ERROR_REF}}}
    return responses


def json_response(schema: Dict[str, Any], description: str = "Successful Response") -> Dict[str, Any]:
    """A 200 response with a JSON body."""
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def json_body(schema: Dict[str, Any], required: bool = True) -> Dict[str, Any]:
    """A JSON request body."""
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def query_parameter(name: str, schema: Dict[str, Any], required: bool = True, description: str = "") -> Dict[str, Any]:
    """A query parameter (arrays exploded: ``?a=1&a=2``)."""
    parameter = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        parameter["description"] = description
    if schema.get("type") == "array":
        parameter["style"] = "form"
        parameter["explode"] = True
    return parameter


def predict_body_schema(shape: Any, registry: SchemaRegistry, streaming_line: bool = False) -> Dict[str, Any]:
    """The JSON body of a task route (or one line of a streamed request).

    Args:
        shape: the route's :class:`~._requests.PredictShape`
        registry: where dataobject schemas go
        streaming_line: one NDJSON line (``model_id`` optional: the first line, a header or
            the query may carry it)
    """
    request_type = shape.rpc.request
    properties: Dict[str, Any] = {}
    required: List[str] = []
    if shape.single_input is not None:
        properties["inputs"] = registry.field_schema(request_type, shape.single_input)
        required.append("inputs")
    elif shape.input_names:
        properties["inputs"] = {
            "type": "object",
            "properties": {n: registry.field_schema(request_type, n) for n in shape.input_names},
            "required": list(shape.input_names),
            "additionalProperties": False,
        }
        required.append("inputs")
    if shape.parameter_names:
        properties["parameters"] = {
            "type": "object",
            "properties": {n: nullable(registry.field_schema(request_type, n)) for n in shape.parameter_names},
            "additionalProperties": False,
        }
    properties["model_id"] = {**ID_SCHEMA, "description": "The model to run"}
    if not streaming_line:
        required.append("model_id")
    return {
        "title": f"{request_type.__name__}HttpRequest",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _library_docstring(library: str) -> str:
    for name in (library or "").split():
        module = sys.modules.get(name)
        doc = (getattr(module, "__doc__", None) or "").strip()
        if doc:
            return doc
    return ""


def _own_version() -> str:
    try:
        from importlib.metadata import version

        return version("caikit-runtime")
    except Exception:
        return "0.0.0"


def build_document(
    routes: Iterable[Any],
    registry: SchemaRegistry,
    title: str,
    library: str,
    runtime_image: Optional[str] = None,
) -> Dict[str, Any]:
    """The OpenAPI document of ``routes`` (each with ``path``, ``methods``, ``operation``)."""
    paths: Dict[str, Dict[str, Any]] = {}
    for route in routes:
        if route.operation is None:
            continue
        item = paths.setdefault(route.path, {})
        for method in route.methods:
            item[method.lower()] = route.operation
    schemas = dict(sorted(registry.schemas.items()))
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    info: Dict[str, Any] = {"title": title, "version": runtime_image or _own_version()}
    description = _library_docstring(library)
    if description:
        info["description"] = description
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": {"schemas": schemas},
    }
