"""caikit.runtime.http_server: the runtime's services over HTTP (starlette on hypercorn).

``RuntimeHTTPServer()`` serves, for the modules of ``runtime.library`` (contract §3; the
prefix is ``runtime.http.route_prefix``, default ``api/v1``):

======================================================  ==========================================
``POST /api/v1/task/<task>``                            unary predict: JSON (or form) in, JSON out
``POST /api/v1/task/server-streaming-<task>``           JSON (or form) in, server-sent events out
``POST /api/v1/task/client-streaming-<task>``           NDJSON in, JSON out (not in the reference)
``POST /api/v1/task/bidi-streaming-<task>``             NDJSON in, server-sent events out (idem)
``POST|GET|DELETE /api/v1/task/<task>/job[/results]``   prediction jobs
``POST /api/v1/<Task><Module>Train``                    start a training
``GET|DELETE /management/trainings?training_id=``       training status / cancel
``POST /management/models``, ``DELETE ...?model_id=``   deploy / undeploy a model
``GET /info/version``, ``GET /info/models``             runtime and model information
``GET /health``                                         ``OK``
``GET /openapi.json``, ``GET /docs``                    OpenAPI 3.1 document, its page (no CDN)
======================================================  ==========================================

Requests
    ``{"inputs": ..., "parameters": {...}, "model_id": "..."}`` with
    ``Content-Type: application/json`` (parameters such as ``; charset=utf-8`` are fine).
    ``inputs`` is the task's required parameter, or an object of them when there are several;
    falsy values (``""``, ``0``, ``false``) are passed to the model as given.

Forms (``multipart/form-data``)
    Task, train, deploy and prediction-job routes also take a form: any Content-Type
    containing ``multipart/form-data``. Form keys are the JSON body's keys, dotted for nested
    fields (``model_id``, ``inputs`` or ``inputs.<name>``, ``parameters.<name>``,
    ``parameters.<name>.<field>``; ``model_name`` and ``parameters.<name>`` for training,
    ``model_id`` and ``model_files`` for a deploy). Values are converted to the field types
    (numbers, booleans, enum names, JSON text for objects and maps; one part per list
    element); a file part (or any part) for a ``bytes`` field gives its raw bytes, for a
    ``File`` object ``{data, filename, type}``, for a training ``DataStream`` a JSON array
    or JSON lines of the examples. The parser is ours (stdlib, :mod:`._multipart`) and
    streams: ``runtime.http.max_body_bytes`` bounds the body, ``max_multipart_parts`` the
    number of parts, ``max_multipart_field_bytes`` / ``max_multipart_file_bytes`` one part
    (413 as soon as one is passed); a malformed body is 422. See :mod:`._forms`.

File downloads
    An output whose dataobject class has ``supports_file_operations`` (unary routes and
    prediction-job results) is answered with the bytes its ``to_file`` writes,
    ``Content-Type`` = the file's type (or ``application/octet-stream``) and
    ``Content-Disposition: attachment; filename="..."``. See :mod:`._files`.

Errors
    ``{"details": "...", "code": <HTTP status>, "id": "<32 hex>"}`` with
    ``Content-Type: application/json``; 422 adds ``additional_info``; starlette's own errors
    (404, 405) and 415 also carry ``detail``. Status codes follow the reference (§3.5):
    INVALID_ARGUMENT 400, NOT_FOUND 404, ALREADY_EXISTS 409, ... anything unexpected 500.
    A missing or other Content-Type is 415, malformed JSON or multipart 422, a body above
    ``runtime.http.max_body_bytes`` 413 (refused before it is read, with or without a
    Content-Length), more than ``runtime.http.max_concurrent_requests`` requests in flight 503
    at once, a request arriving during shutdown 503.

Server-sent events (output streaming)
    ``event: message\\r\\ndata: <JSON>\\r\\n\\r\\n`` per output object; a failure once the
    stream has begun is a final ``event: error\\r\\ndata: {"details", "code", "id"}`` (HTTP status
    stays 200); ``: ping`` comments after 15 s of silence. Send
    ``Accept: application/x-ndjson`` to get one JSON object per line instead (a failure is a
    last line ``{"error": {"details", "code", "id"}}``).

Client and bidirectional streaming: newline-delimited JSON request bodies
    The body is a stream of request objects, one JSON object per line, with
    ``Content-Type: application/x-ndjson`` (``application/ndjson``, ``application/jsonl`` and
    ``application/x-jsonlines`` are accepted too)::

        {"inputs": "Gabe", "parameters": {...}, "model_id": "greeter"}
        {"inputs": "Mia"}

    Each line's ``inputs`` is the next element of the streamed input(s) (an object when the
    task streams several). ``model_id`` and ``parameters`` come from the first line; the
    model id may instead be given by the ``mm-model-id`` header or the ``model_id`` query
    parameter. Blank lines are ignored; a malformed line ends the call with 422 (or an
    ``error`` event once a bidi response has begun). The model starts after the first line
    and reads later lines as they arrive (bidi responses are written while the request is
    still being sent: use a client that supports full-duplex HTTP/1.1, or HTTP/2 over TLS).
    A JSON array of the same objects with ``Content-Type: application/json`` works for
    clients that cannot stream. ``runtime.http.max_body_bytes`` bounds the whole stream.

Cancellation
    When the client disconnects, the model's work is cancelled: ``WorkCancelled`` is raised in
    the thread running it (see :mod:`caikit.runtime.cancellation`).

Run it alone with ``python -m caikit.runtime.http_server`` or next to gRPC with
``python -m caikit.runtime``; ``build_openapi_spec()`` gives the OpenAPI document without
starting anything (``python -m caikit.runtime.dump_services`` writes it).
"""
import importlib as _importlib

__all__ = ["RuntimeHTTPServer", "build_openapi_spec"]

_LAZY = {
    "RuntimeHTTPServer": "caikit.runtime.http_server.server",
    "build_openapi_spec": "caikit.runtime.http_server.spec",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'caikit.runtime.http_server' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
