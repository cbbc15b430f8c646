"""Hostile input against a real ``python -m caikit.runtime`` (gRPC and HTTP on loopback).

Malformed and mutated JSON bodies (and mutated ``multipart/form-data`` forms) go to every
operation of the server's own ``/openapi.json``;
random and mutated protobuf payloads go to every RPC the server lists by reflection (the
generated services and ``mmesh.ModelRuntime``; grpcio's own health and reflection services are
not ours and are left out). The only acceptable answers are 2xx/4xx (HTTP, including the codes
inside SSE and NDJSON error frames) and non-fault gRPC codes: never a 5xx, never INTERNAL,
UNKNOWN, DATA_LOSS or UNAVAILABLE. Afterwards the server is the same process and its resident
memory grew by less than 50 MB.

Counts: ``CAIKIT_RELIABILITY_EXAMPLES`` payloads per protocol, spread evenly over the
operations so each one gets its share: 2,000 by default (the acceptance figure; about 30 s);
``nox -s soak`` runs the same tests with 20,000 per protocol. Plus
``CAIKIT_RELIABILITY_SCHEMATHESIS`` schemathesis cases per operation and mode (default 3). The library is ``reliability_lib`` (tests/fixtures), whose models never raise
anything but TypeError/ValueError, so any fault seen is the runtime's.
"""
from __future__ import annotations

import collections
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, List

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from reliability_support import (  # noqa: E402
    SERVER_FAULT_CODES,
    Runtime,
    http_operations,
    reflected_rpcs,
    standard_models,
)

EXAMPLES = int(os.environ.get("CAIKIT_RELIABILITY_EXAMPLES", "2000"))
SCHEMATHESIS_EXAMPLES = int(os.environ.get("CAIKIT_RELIABILITY_SCHEMATHESIS", "3"))
MAX_RSS_GROWTH = 50 * 1024 * 1024
MAX_BODY = 256 * 1024
MODEL_IDS = ["echo", "weigh", "hold", "nope", "", "..", "../../etc", "/abs", "%2e%2e%2f", "a\x00b", "x" * 300]

pytestmark = pytest.mark.slow


def _settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, examples),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hostile")
    standard_models(workdir / "models")
    runtime = Runtime(
        workdir,
        config={"runtime": {"http": {"max_body_bytes": MAX_BODY}, "grpc": {"max_message_bytes": MAX_BODY}}},
        env={"RELIABILITY_LIB_MAX_HOLD_SECONDS": "0.01"},
    )
    yield runtime
    began = time.monotonic()
    status = runtime.stop()
    took = time.monotonic() - began
    assert status == 0, runtime.log()[-5000:]
    # nothing the fuzzing sent may keep a connection or call alive: an idle server stops at
    # once instead of waiting for its 10 s grace period
    assert took < 5, f"stopping took {took:.1f} s"


def _settled_rss(server: Runtime) -> int:
    # the minimum of a few readings smooths allocator noise
    return min(server.rss_bytes() for _ in range(3))


def _assert_same_process_and_memory(server: Runtime, start_time: int, baseline: int, what: str) -> int:
    assert server.alive(), f"the server died during {what}:\n{server.log()[-5000:]}"
    assert server.start_time() == start_time, "the server process was replaced"
    grown = _settled_rss(server) - baseline
    assert grown < MAX_RSS_GROWTH, f"RSS grew by {grown / 1e6:.1f} MB during {what}"
    return grown


# -- HTTP ------------------------------------------------------------------------------------------


def _resolve(schema: Dict[str, Any], document: Dict[str, Any]) -> Dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def example(schema: Dict[str, Any], document: Dict[str, Any], depth: int = 0) -> Any:
    """A plausible value for ``schema`` (the seed that mutations start from)."""
    schema = _resolve(schema, document)
    if depth > 6 or not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            choices = [c for c in schema[key] if _resolve(c, document).get("type") != "null"] or schema[key]
            return example(choices[0], document, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: example(sub, document, depth + 1) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        items = schema.get("items") or (schema.get("prefixItems") or [{}])[0]
        return [example(items, document, depth + 1)]
    return {"string": "text", "integer": 1, "number": 1.5, "boolean": True, "null": None}.get(kind, "text")


def seed_body(op, document: Dict[str, Any]) -> Any:
    content = (op.operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return None
    value = example(schema, document)
    if isinstance(value, dict):
        if "model_id" in value:
            value["model_id"] = "echo" if "weigh" not in op.path and "hold" not in op.path else op.path.split("/")[4]
        if op.path == "/management/models":
            value["model_id"] = "fuzzed"
    if isinstance(value, list) and value and isinstance(value[0], dict) and "model_id" in value[0]:
        value[0]["model_id"] = "echo"
    return value


_odd_strings = st.sampled_from(
    ["", " ", "\x00", "../../etc/passwd", "\ud800", "é" * 3, "x" * 300, "null", "{", "1e400", "%00", "\\", "\u202e"]
)
_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 2**63, -(2**63) - 1, 2**64, 1e308, -0.0, 5e-324]),
)
json_leaves = st.one_of(st.none(), st.booleans(), _numbers, st.text(max_size=12), _odd_strings)
json_values = st.recursive(
    json_leaves,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8) | _odd_strings, kids, max_size=4),
    max_leaves=10,
)


@st.composite
def mutated_tree(draw, seed: Any) -> Any:
    """``seed`` with 0-3 random edits (replace a node, drop a key, add a key, wrap)."""
    value = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "drop", "add", "wrap", "type"]))
        value = _edit(value, path, action, draw)
    return value


def _paths(value: Any, prefix=()) -> List[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            found += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found += _paths(sub, (*prefix, index))
    return found


def _edit(value: Any, path: tuple, action: str, draw) -> Any:
    if not path:
        return _change(value, action, draw)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "drop":
        del parent[key]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=8) | _odd_strings)] = draw(json_values)
    else:
        parent[key] = _change(parent[key], action, draw)
    return value


def _change(node: Any, action: str, draw) -> Any:
    if action == "wrap":
        return [node] if draw(st.booleans()) else {"value": node}
    if action == "type":
        return draw(st.sampled_from([None, True, 0, 1.5, "s", [], {}]))
    return draw(json_values)


@st.composite
def body_bytes(draw, seed: Any) -> bytes:
    """JSON text of a mutated seed, sometimes broken at the byte level."""
    value = draw(mutated_tree(seed)) if seed is not None else draw(json_values)
    try:
        text = json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        text = b"{}"
    how = draw(st.sampled_from(["as is"] * 6 + ["truncate", "flip", "insert", "nesting", "bom", "latin1", "tokens", "raw", "empty", "lines"]))
    if how == "truncate" and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif how == "flip" and text:
        index = draw(st.integers(0, len(text) - 1))
        text = text[:index] + bytes([draw(st.integers(0, 255))]) + text[index + 1 :]
    elif how == "insert":
        index = draw(st.integers(0, len(text)))
        text = text[:index] + draw(st.binary(min_size=1, max_size=8)) + text[index:]
    elif how == "nesting":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        text = b"[" * depth + b"]" * depth if draw(st.booleans()) else b'{"a":' * depth + b"1" + b"}" * depth
    elif how == "bom":
        text = b"\xef\xbb\xbf" + text
    elif how == "latin1":
        text = text.replace(b"e", b"\xe9")
    elif how == "tokens":
        text = draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b'{"a": NaN}', b"1" * 5000, b'{"a":1,"a":2}', b"\x00", b"null", b"[]", b'"str"']))
    elif how == "raw":
        text = draw(st.binary(max_size=64))
    elif how == "empty":
        text = b""
    elif how == "lines":
        text = text + b"\n" + text + b"\n\n" + draw(st.binary(max_size=8))
    return text


def _flatten(value: Any, prefix: str = "") -> List[tuple]:
    """``(dotted key, text)`` pairs of a JSON value, as a form would carry it."""
    if isinstance(value, dict):
        found = []
        for key, sub in value.items():
            found += _flatten(sub, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list):
        return [(prefix, item if isinstance(item, str) else json.dumps(item)) for item in value]
    if value is None:
        return []
    return [(prefix, value if isinstance(value, str) else json.dumps(value))]


_FILE_NAMES = st.sampled_from(["f.txt", "../../etc/passwd", "a\x00b", "x" * 300, "", "\u00e9t\u00e9.bin", "/abs"])


@st.composite
def form_bytes(draw, seed: Any) -> tuple:
    """A ``multipart/form-data`` body built from a seed's fields, mutated; returns
    ``(body, content type)``."""
    parts = [[key, text.encode("utf-8", "surrogatepass"), None] for key, text in _flatten(seed) if key]
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["value", "drop", "add", "file", "binary"]))
        if action == "drop" and parts:
            parts.pop(draw(st.integers(0, len(parts) - 1)))
        elif action == "add" or not parts:
            parts.append([draw(st.text(max_size=12) | _odd_strings), draw(st.binary(max_size=20)), None])
        else:
            part = parts[draw(st.integers(0, len(parts) - 1))]
            if action == "value":
                part[1] = draw(st.text(max_size=20) | _odd_strings).encode("utf-8", "surrogatepass")
            elif action == "file":
                part[2] = draw(_FILE_NAMES)
            else:
                part[1] = draw(st.binary(max_size=40))
    boundary = draw(st.sampled_from(["b", "xyz", "----WebKitFormBoundary7MA4YWxkTrZu0gW"]))
    chunks = []
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode("utf-8", "surrogatepass") + value + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    declared = boundary
    how = draw(st.sampled_from(["as is"] * 4 + ["truncate", "no end", "wrong boundary", "no boundary", "bad header", "bare LF", "flip"]))
    if how == "truncate" and body:
        body = body[: draw(st.integers(0, len(body) - 1))]
    elif how == "no end":
        body = b"".join(chunks)
    elif how == "wrong boundary":
        declared = boundary + "x"
    elif how == "bad header":
        body = body.replace(b"Content-Disposition: form-data", draw(st.sampled_from([b"Content-Disposition: attachment", b"X: y", b"Content-Disposition", b"Content-Disposition: form-data; name"])), 1)
    elif how == "bare LF":
        body = body.replace(b"\r\n", b"\n")
    elif how == "flip" and body:
        index = draw(st.integers(0, len(body) - 1))
        body = body[:index] + bytes([draw(st.integers(0, 255))]) + body[index + 1 :]
    content_type = "multipart/form-data" if how == "no boundary" else f"multipart/form-data; boundary={declared}"
    return body, content_type


CONTENT_TYPES = st.sampled_from(
    ["application/json"] * 6
    + [
        "application/json; charset=utf-8",
        "application/x-ndjson",
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data; boundary=xyz",
        "application/vnd.example+json",
        "application/json; charset=latin-1",
        "*/*",
    ]
)


@st.composite
def query_string(draw, names: List[str]) -> str:
    pairs = []
    for name in names:
        if draw(st.booleans()):
            pairs.append((name, draw(st.sampled_from(MODEL_IDS[3:]) | st.text(max_size=20))))
    for _ in range(draw(st.integers(0, 2))):
        pairs.append((draw(st.text(max_size=6)), draw(st.text(max_size=10))))
    encoded = urllib.parse.urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        encoded += draw(st.sampled_from(["&%zz", "&model_id=%00", "&&&", "&training_id=%ff%fe", "&x=" + "%41" * 300]))
    return encoded


def _stream_faults(answer) -> List[str]:
    """Error frames inside a 200 stream whose code is a server fault."""
    faults = []
    content_type = answer.headers.get("content-type", "")
    if "text/event-stream" in content_type:
        for block in answer.body.split(b"\r\n\r\n"):
            if block.startswith(b"event: error"):
                data = json.loads(block.split(b"data: ", 1)[1])
                if int(data.get("code", 0)) >= 500:
                    faults.append(block.decode(errors="replace"))
    elif "ndjson" in content_type:
        for line in answer.body.splitlines():
            if line.startswith(b'{"error"'):
                if int(json.loads(line)["error"].get("code", 0)) >= 500:
                    faults.append(line.decode(errors="replace"))
    return faults


def _check_http(answer, what: str) -> None:
    assert answer.status < 500, f"{what} -> {answer.status}: {answer.body[:500]!r}"
    faults = _stream_faults(answer)
    assert not faults, f"{what} -> error frames {faults}"


def _warm_up(server: Runtime) -> None:
    """One valid call of each kind, so lazy imports and caches do not count as growth."""
    server.post_json("/api/v1/task/echo", {"model_id": "echo", "inputs": "warm"})
    server.post_json("/api/v1/task/server-streaming-echo", {"model_id": "echo", "inputs": "warm"})
    server.http("GET", "/info/models")
    server.http("GET", "/openapi.json")


def test_mutated_json_bodies_get_only_4xx(server):
    document = json.loads(server.http("GET", "/openapi.json").body)
    operations = http_operations(document)
    assert len(operations) >= 20, [op.label for op in operations]
    _warm_up(server)
    start_time = server.start_time()
    baseline = _settled_rss(server)
    per_operation = max(1, EXAMPLES // len(operations))
    statuses: Dict[str, collections.Counter] = {}

    for op in operations:
        counter = statuses.setdefault(op.label, collections.Counter())
        _http_fuzzer(server, op, seed_body(op, document), counter, per_operation)()

    total = sum(sum(c.values()) for c in statuses.values())
    grown = _assert_same_process_and_memory(server, start_time, baseline, "the HTTP fuzzing")
    summary: collections.Counter = collections.Counter()
    for counter in statuses.values():
        summary.update(counter)
    print(f"\nHTTP: {total} requests over {len(operations)} operations, statuses {dict(sorted(summary.items()))}, RSS +{grown / 1e6:.1f} MB")
    assert total >= min(EXAMPLES, len(operations)) * 0.9


def _http_fuzzer(server: Runtime, op, seed: Any, counter: collections.Counter, examples: int):
    @_settings(examples)
    @given(data=st.data())
    def send(data):
        path = op.path
        if data.draw(st.integers(0, 19)) == 0:
            path += data.draw(st.sampled_from(["/", "/..", "/%2e%2e", "//x", "?", "/\u00e9".encode().decode("latin-1")]))
        query = data.draw(query_string(op.query_names))
        if query:
            path += ("&" if "?" in path else "?") + query
        headers = {}
        body = None
        if op.method in ("POST", "PUT", "PATCH") or data.draw(st.integers(0, 9)) == 0:
            content_type = data.draw(CONTENT_TYPES)
            if content_type == "multipart/form-data; boundary=xyz" and data.draw(st.integers(0, 3)):
                body, content_type = data.draw(form_bytes(seed))
            else:
                body = data.draw(body_bytes(seed))
            if content_type is not None:
                headers["Content-Type"] = content_type
            if data.draw(st.integers(0, 4)) == 0 and body:
                size = data.draw(st.integers(1, max(1, len(body))))
                body = [body[i : i + size] for i in range(0, len(body), size)]  # chunked
        if data.draw(st.integers(0, 4)) == 0:
            headers["Accept"] = data.draw(st.sampled_from(["application/x-ndjson", "text/event-stream", "*/*", "application/xml"]))
        if data.draw(st.integers(0, 9)) == 0:
            headers["mm-model-id"] = data.draw(st.sampled_from(MODEL_IDS[:5]))
        answer = server.http(op.method, urllib.parse.quote(path, safe="/?&=%:+,;@!$'()*"), body, headers, timeout=30)
        counter[answer.status] += 1
        _check_http(answer, f"{op.method} {path} {headers} {body if isinstance(body, bytes) else b''.join(body or [])!r:.300}")

    return send


def test_schemathesis_negative_and_positive_cases_get_no_5xx(server):
    import schemathesis
    from schemathesis import GenerationMode

    document = json.loads(server.http("GET", "/openapi.json").body)
    schema = schemathesis.openapi.from_dict(document)
    base_url = f"http://127.0.0.1:{server.http_port}"
    start_time = server.start_time()
    baseline = _settled_rss(server)
    calls = collections.Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @_settings(SCHEMATHESIS_EXAMPLES)
            @given(case=strategy)
            def call(case):
                response = case.call(base_url=base_url, timeout=30)
                calls[response.status_code] += 1
                assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.body!r:.300} -> {response.status_code} {response.text[:300]}"

            try:
                call()
            except Exception as err:  # hypothesis gives up on operations with nothing to negate
                if type(err).__name__ != "Unsatisfiable":
                    raise
    _assert_same_process_and_memory(server, start_time, baseline, "the schemathesis run")
    print(f"\nschemathesis: {sum(calls.values())} calls, statuses {dict(sorted(calls.items()))}")
    assert sum(calls.values()) > 0


# -- gRPC ------------------------------------------------------------------------------------------

_INT_RANGES = {
    "TYPE_INT32": (-(2**31), 2**31 - 1),
    "TYPE_SINT32": (-(2**31), 2**31 - 1),
    "TYPE_SFIXED32": (-(2**31), 2**31 - 1),
    "TYPE_INT64": (-(2**63), 2**63 - 1),
    "TYPE_SINT64": (-(2**63), 2**63 - 1),
    "TYPE_SFIXED64": (-(2**63), 2**63 - 1),
    "TYPE_UINT32": (0, 2**32 - 1),
    "TYPE_FIXED32": (0, 2**32 - 1),
    "TYPE_UINT64": (0, 2**64 - 1),
    "TYPE_FIXED64": (0, 2**64 - 1),
}


def _type_name(field) -> str:
    from google.protobuf.descriptor import FieldDescriptor

    for name in dir(FieldDescriptor):
        if name.startswith("TYPE_") and getattr(FieldDescriptor, name) == field.type:
            return name
    return "?"


def _scalar(draw, field) -> Any:
    kind = _type_name(field)
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        return draw(st.integers(low, high) | st.sampled_from([low, high, 0, -1 if low < 0 else 1]))
    if kind in ("TYPE_DOUBLE", "TYPE_FLOAT"):
        value = draw(st.floats(allow_nan=True, allow_infinity=True, width=64 if kind == "TYPE_DOUBLE" else 32))
        return value
    if kind == "TYPE_BOOL":
        return draw(st.booleans())
    if kind == "TYPE_STRING":
        # never the ids of the served models: unloading them is allowed, and would end the run
        return draw(st.text(max_size=20) | st.sampled_from(MODEL_IDS[3:]))
    if kind == "TYPE_BYTES":
        return draw(st.binary(max_size=40))
    if kind == "TYPE_ENUM":
        numbers = [v.number for v in field.enum_type.values]
        return draw(st.sampled_from(numbers) | st.integers(-5, 1000))
    raise AssertionError(kind)


def fill(draw, message, depth: int = 0) -> None:
    """Set a random subset of ``message``'s fields to random values (nested messages too)."""
    from google.protobuf.descriptor import FieldDescriptor

    for field in message.DESCRIPTOR.fields:
        if not draw(st.booleans()):
            continue
        is_message = field.type == FieldDescriptor.TYPE_MESSAGE
        repeated = field.is_repeated
        if is_message and field.message_type.GetOptions().map_entry:
            key_field = field.message_type.fields_by_name["key"]
            value_field = field.message_type.fields_by_name["value"]
            target = getattr(message, field.name)
            for _ in range(draw(st.integers(0, 3))):
                key = _scalar(draw, key_field)
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    if depth < 3:
                        fill(draw, target[key], depth + 1)
                else:
                    target[key] = _scalar(draw, value_field)
            continue
        if is_message:
            if depth >= 3:
                continue
            if repeated:
                for _ in range(draw(st.integers(0, 3))):
                    fill(draw, getattr(message, field.name).add(), depth + 1)
            else:
                sub = getattr(message, field.name)
                sub.SetInParent()
                fill(draw, sub, depth + 1)
            continue
        if repeated:
            getattr(message, field.name).extend(_scalar(draw, field) for _ in range(draw(st.integers(0, 4))))
        else:
            setattr(message, field.name, _scalar(draw, field))


@st.composite
def payloads(draw, rpc) -> bytes:
    """Random bytes, or a random valid message, possibly mutated at the byte level."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=200))
    message = rpc.request_class()
    fill(draw, message)
    data = message.SerializeToString()
    how = draw(st.sampled_from(["as is"] * 3 + ["truncate", "flip", "insert", "append field", "bad length", "bad utf8", "wire type"]))
    if how == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "flip" and data:
        index = draw(st.integers(0, len(data) - 1))
        data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
    elif how == "insert":
        index = draw(st.integers(0, len(data)))
        data = data[:index] + draw(st.binary(min_size=1, max_size=6)) + data[index:]
    elif how == "append field":  # unknown fields are legal and must be ignored
        number = draw(st.integers(1, 2**29 - 1))
        data += _varint(number << 3) + _varint(draw(st.integers(0, 2**64 - 1)))
    elif how == "bad length":  # a length prefix far beyond the payload
        data += _varint((1 << 3) | 2) + _varint(draw(st.sampled_from([2**31, 2**35, 10_000_000]))) + b"x"
    elif how == "bad utf8":  # proto3 strings must be UTF-8
        data += _varint((1 << 3) | 2) + _varint(2) + b"\xff\xfe"
    elif how == "wire type" and rpc.request_descriptor.fields:
        field = draw(st.sampled_from(list(rpc.request_descriptor.fields)))
        wire = draw(st.sampled_from([0, 1, 2, 5]))
        body = {0: _varint(7), 1: b"\x00" * 8, 2: _varint(3) + b"abc", 5: b"\x00" * 4}[wire]
        data += _varint((field.number << 3) | wire) + body
    return data


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _call(channel, rpc, messages: List[bytes], metadata) -> str:
    """Make the call with raw bytes; return the final status code name."""
    try:
        if not rpc.client_streaming and not rpc.server_streaming:
            channel.unary_unary(rpc.path)(messages[0], metadata=metadata, timeout=30)
        elif not rpc.client_streaming:
            for _ in channel.unary_stream(rpc.path)(messages[0], metadata=metadata, timeout=30):
                pass
        elif not rpc.server_streaming:
            channel.stream_unary(rpc.path)(iter(messages), metadata=metadata, timeout=30)
        else:
            for _ in channel.stream_stream(rpc.path)(iter(messages), metadata=metadata, timeout=30):
                pass
    except grpc.RpcError as err:
        return f"{err.code().name}: {err.details()}"
    return "OK"


def test_random_and_mutated_protobuf_payloads_get_no_server_faults(server):
    rpcs = reflected_rpcs(server.channel)
    services = {rpc.service for rpc in rpcs}
    assert "mmesh.ModelRuntime" in services and "caikit.runtime.info.InfoService" in services, services
    assert len(rpcs) >= 25, [rpc.path for rpc in rpcs]
    _warm_up(server)
    _call(server.channel, next(r for r in rpcs if r.name == "EchoTaskPredict"), [b""], [("mm-model-id", "echo")])
    start_time = server.start_time()
    baseline = _settled_rss(server)
    per_rpc = max(1, EXAMPLES // len(rpcs))
    codes: collections.Counter = collections.Counter()
    metadata_ids = st.sampled_from(["echo", "weigh", "hold", "nope", "..", "../../etc", "/abs", "%2e%2e%2f", "x" * 300]) | st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20
    )

    for rpc in rpcs:
        _grpc_fuzzer(server, rpc, metadata_ids, codes, per_rpc)()

    grown = _assert_same_process_and_memory(server, start_time, baseline, "the gRPC fuzzing")
    print(f"\ngRPC: {sum(codes.values())} calls over {len(rpcs)} RPCs, codes {dict(sorted(codes.items()))}, RSS +{grown / 1e6:.1f} MB")


def _grpc_fuzzer(server: Runtime, rpc, metadata_ids, codes: collections.Counter, examples: int):
    @_settings(examples)
    @given(data=st.data())
    def call(data):
        count = data.draw(st.integers(0, 3)) if rpc.client_streaming else 1
        messages = [data.draw(payloads(rpc)) for _ in range(count)]
        metadata = []
        if data.draw(st.integers(0, 5)):
            metadata.append(("mm-model-id", data.draw(metadata_ids)))
        outcome = _call(server.channel, rpc, messages, metadata)
        code = outcome.split(":", 1)[0]
        codes[code] += 1
        assert code not in SERVER_FAULT_CODES, f"{rpc.path} {metadata} {messages!r:.300} -> {outcome}"

    return call


def test_the_server_still_answers_correctly_afterwards(server):
    answer = server.post_json("/api/v1/task/echo", {"model_id": "echo", "inputs": "after", "parameters": {"repeat": 2}})
    assert answer.status == 200, answer.body
    assert answer.json()["text"] == "e:afterafter"
    assert server.grpc_health() == "SERVING"
