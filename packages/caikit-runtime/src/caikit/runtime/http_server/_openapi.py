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
    "file_response",
    "form_schema",
    "json_body",
    "json_or_form_body",
    "json_response",
    "predict_body_schema",
    "predict_form_schema",
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


_FILE_PART: Dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}
_FORM_DESCRIPTION = (
    "The same request as a form: each key is a key of the JSON body, dotted for nested fields "
    "(`parameters.<name>`, `inputs.<name>`, deeper fields too: `parameters.<name>.<field>`). Values "
    "are converted to the field types; `bytes` fields and `File` objects take file parts (raw bytes), "
    "objects and maps take JSON text, list fields take one part per element."
)


def file_response(description: str = "The output, as a file download") -> Dict[str, Any]:
    """A 200 response with a file body (its own media type, or ``application/octet-stream``)."""
    binary = {"schema": dict(_FILE_PART)}
    return {
        "200": {
            "description": description,
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="<the file name>"',
                    "schema": {"type": "string"},
                },
            },
            "content": {"application/octet-stream": binary, "*/*": binary},
        }
    }


def json_or_form_body(schema: Dict[str, Any], form: Optional[Dict[str, Any]], required: bool = True) -> Dict[str, Any]:
    """A request body that is JSON, or ``multipart/form-data`` described by ``form``."""
    body = json_body(schema, required)
    if form is not None:
        body["content"]["multipart/form-data"] = {"schema": form}
    return body


def _form_value(registry: SchemaRegistry, value: Any) -> Dict[str, Any]:
    """The schema of one form part carrying a value of field-plan value type ``value``."""
    from ._forms import file_fields, stream_members

    if value.kind == "scalar" and value.py_type is bytes:
        return dict(_FILE_PART)
    if value.kind == "message":
        cls = value.py_type
        if file_fields(cls) is not None:
            return {**_FILE_PART, "description": f"A file (becomes a {cls.__name__}: data, filename, type)"}
        if stream_members(cls) is not None:
            return {
                **_FILE_PART,
                "description": "A JSON array or JSON lines of the examples (or the source object as JSON)",
            }
    if value.kind in ("message", "struct"):
        return {"type": "string", "contentMediaType": "application/json", "contentSchema": registry.value_schema(value)}
    return registry.value_schema(value)


def _form_field(registry: SchemaRegistry, cls: Any, name: str) -> Dict[str, Any]:
    """The schema of the form part(s) setting field ``name`` of dataobject ``cls``."""
    plan = registry.plan_of(cls, name)
    if plan is None:
        return {}
    if plan.shape == "list":
        return {"type": "array", "items": _form_value(registry, plan.value)}
    if plan.shape == "single":
        return _form_value(registry, plan.value)
    # maps and unions: JSON text (their entries / members have keys of their own too)
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": registry.field_schema(cls, name)}


def form_schema(cls: Any, registry: SchemaRegistry, required: Iterable[str] = (), title: str = "") -> Dict[str, Any]:
    """The ``multipart/form-data`` schema of a body holding dataobject ``cls`` (one key per
    field; deeper fields may also be given with dotted keys)."""
    properties = {name: _form_field(registry, cls, name) for name in (getattr(cls, "_caikit_plans", None) or {})}
    schema: Dict[str, Any] = {
        "title": title or f"{cls.__name__}Form",
        "type": "object",
        "description": _FORM_DESCRIPTION,
        "properties": properties,
        "required": [r for r in required if r in properties],
    }
    return schema


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


def predict_form_schema(shape: Any, registry: SchemaRegistry) -> Dict[str, Any]:
    """The ``multipart/form-data`` body of a task route (the JSON body's keys, dotted)."""
    request_type = shape.rpc.request
    properties: Dict[str, Any] = {}
    required: List[str] = []
    if shape.single_input is not None:
        properties["inputs"] = _form_field(registry, request_type, shape.single_input)
        required.append("inputs")
    for name in shape.input_names if shape.single_input is None else ():
        properties[f"inputs.{name}"] = _form_field(registry, request_type, name)
        required.append(f"inputs.{name}")
    for name in shape.parameter_names:
        properties[f"parameters.{name}"] = _form_field(registry, request_type, name)
    properties["model_id"] = {**ID_SCHEMA, "description": "The model to run"}
    required.append("model_id")
    return {
        "title": f"{request_type.__name__}Form",
        "type": "object",
        "description": _FORM_DESCRIPTION,
        "properties": properties,
        "required": required,
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
