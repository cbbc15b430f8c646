"""Streaming over HTTP: SSE framing and errors inside a stream, NDJSON responses, and client /
bidirectional streaming with newline-delimited JSON request bodies."""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import sample_lib

pytestmark = pytest.mark.slow

SSE = "/api/v1/task/server-streaming-greeting"
CLIENT = "/api/v1/task/client-streaming-greeting"
BIDI = "/api/v1/task/bidi-streaming-greeting"
NDJSON = {"Content-Type": "application/x-ndjson"}
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    models = {"greeter": lambda path: sample_lib.GreeterModule("Hi {}").save(path)}
    runtime = {"http": {"max_body_bytes": LIMIT}}
    with http_support.running_server(tmp_path_factory.mktemp("streaming"), "sample_lib", models, runtime) as running:
        yield running


def _lines(*values) -> bytes:
    return b"".join(json.dumps(v).encode() + b"\n" for v in values)


# -- server streaming (SSE) -------------------------------------------------------------------


def test_sse_framing_is_exactly_the_references(server):
    status, headers, body = http_support.post_json(server.port, SSE, {"inputs": "Gabe", "model_id": "greeter"})
    assert status == 200
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert body == (
        b'event: message\r\ndata: {"greeting": "Hi Gabe #0"}\r\n\r\n'
        b'event: message\r\ndata: {"greeting": "Hi Gabe #1"}\r\n\r\n'
    )


def test_sse_parameters(server):
    body = {"inputs": "Gabe", "model_id": "greeter", "parameters": {"repeat": 3}}
    events = http_support.sse_events(http_support.post_json(server.port, SSE, body)[2])
    assert [data["greeting"] for _, data in events] == ["Hi Gabe #0", "Hi Gabe #1", "Hi Gabe #2"]


def test_empty_stream(server):
    body = {"inputs": "Gabe", "model_id": "greeter", "parameters": {"repeat": 0}}
    status, _, data = http_support.post_json(server.port, SSE, body)
    assert status == 200
    assert data == b""


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({"inputs": "value-error", "model_id": "greeter"}, 400, "name must not be 'value-error'"),
        ({"inputs": "boom", "model_id": "greeter"}, 500, "Unhandled exception: boom"),
        ({"inputs": "Gabe", "model_id": "nope"}, 404, None),
        ({"inputs": "Gabe"}, 400, "Please provide model_id in payload"),
    ],
    ids=["value-error", "unexpected", "unknown-model", "no-model-id"],
)
def test_errors_inside_the_stream_are_error_events(server, body, code, details):
    status, headers, data = http_support.post_json(server.port, SSE, body)
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    assert data.startswith(b"event: error\r\ndata: {")
    assert data.endswith(b"}\r\n\r\n")
    [(event, error)] = http_support.sse_events(data)
    assert event == "error"
    assert error["code"] == code
    assert len(error["id"]) == 32
    if details is not None:
        assert error["details"] == details


def test_request_shape_errors_come_before_the_stream(server):
    status, headers, _ = http_support.post_json(server.port, SSE, {"inputs": 5, "model_id": "greeter"})
    assert status == 422
    assert headers["content-type"] == "application/json"
    status, _, _ = http_support.post(server.port, SSE, b'{"inputs": "x"}')
    assert status == 415


def test_ndjson_output_when_asked(server):
    body = {"inputs": "Gabe", "model_id": "greeter"}
    status, headers, data = http_support.post_json(server.port, SSE, body, headers={"Accept": "application/x-ndjson"})
    assert status == 200
    assert headers["content-type"] == "application/x-ndjson"
    assert data == b'{"greeting": "Hi Gabe #0"}\n{"greeting": "Hi Gabe #1"}\n'
    body["inputs"] = "value-error"
    _, _, data = http_support.post_json(server.port, SSE, body, headers={"Accept": "application/x-ndjson"})
    error = json.loads(data)["error"]
    assert error["code"] == 400


# -- client streaming (NDJSON in) -------------------------------------------------------------


def test_client_streaming_ndjson(server):
    body = _lines({"inputs": "Ann", "model_id": "greeter"}, {"inputs": "Bo"}, {"inputs": "Cy"})
    status, headers, data = http_support.post(server.port, CLIENT, body, NDJSON)
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(data) == {"greeting": "Hi Ann and Bo and Cy"}


def test_client_streaming_skips_blank_lines_and_reads_a_last_line_without_newline(server):
    body = b'\n{"inputs": "Ann", "model_id": "greeter"}\n\n  \n{"inputs": "Bo"}'
    assert json.loads(http_support.post(server.port, CLIENT, body, NDJSON)[2]) == {"greeting": "Hi Ann and Bo"}


def test_client_streaming_model_id_from_header_or_query(server):
    body = _lines({"inputs": "Ann"}, {"inputs": "Bo"})
    status, _, data = http_support.post(server.port, CLIENT, body, {**NDJSON, "mm-model-id": "greeter"})
    assert (status, json.loads(data)) == (200, {"greeting": "Hi Ann and Bo"})
    status, _, data = http_support.post(server.port, CLIENT + "?model_id=greeter", body, NDJSON)
    assert (status, json.loads(data)) == (200, {"greeting": "Hi Ann and Bo"})
    status, _, data = http_support.post(server.port, CLIENT, body, NDJSON)
    assert status == 400
    assert json.loads(data)["details"] == "Please provide model_id in payload"


def test_client_streaming_json_array(server):
    body = [{"inputs": "Ann", "model_id": "greeter"}, {"inputs": "Bo"}]
    status, _, data = http_support.post_json(server.port, CLIENT, body)
    assert (status, json.loads(data)) == (200, {"greeting": "Hi Ann and Bo"})


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 422),
        (b'{"inputs": "Ann", "model_id": "greeter"}\n{bad\n', 422),
        (b'{"inputs": "Ann", "model_id": "greeter"}\n{"inputs": 5}\n', 422),
        (b'{"inputs": "Ann", "model_id": "greeter"}\n{"parameters": {}}\n', 422),
        (b'{"inputs": "Ann", "model_id": "greeter"}\n{"inputs": "boom"}\n', 500),
        (b'{"inputs": "Ann", "model_id": "nope"}\n', 404),
    ],
    ids=["empty", "bad-json-line", "bad-type-line", "line-without-inputs", "model-error", "unknown-model"],
)
def test_client_streaming_errors(server, body, status):
    got, headers, data = http_support.post(server.port, CLIENT, body, NDJSON)
    assert got == status, data
    assert headers["content-type"] == "application/json"
    assert json.loads(data)["code"] == status


def test_client_streaming_needs_an_ndjson_content_type(server):
    status, _, _ = http_support.post(server.port, CLIENT, _lines({"inputs": "Ann", "model_id": "greeter"}), {"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = http_support.post(server.port, CLIENT, _lines({"inputs": "Ann", "model_id": "greeter"}))
    assert status == 415


# -- bidirectional streaming ------------------------------------------------------------------


def test_bidi_streaming_ndjson_in_sse_out(server):
    body = _lines({"inputs": "Ann", "model_id": "greeter"}, {"inputs": "Bo"})
    status, headers, data = http_support.post(server.port, BIDI, body, NDJSON)
    assert status == 200
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert data == (
        b'event: message\r\ndata: {"greeting": "Hi Ann"}\r\n\r\n'
        b'event: message\r\ndata: {"greeting": "Hi Bo"}\r\n\r\n'
    )


def test_bidi_streaming_ndjson_out(server):
    body = _lines({"inputs": "Ann", "model_id": "greeter"}, {"inputs": "Bo"})
    _, headers, data = http_support.post(server.port, BIDI, body, {**NDJSON, "Accept": "application/x-ndjson"})
    assert headers["content-type"] == "application/x-ndjson"
    assert data == b'{"greeting": "Hi Ann"}\n{"greeting": "Hi Bo"}\n'


@pytest.mark.parametrize(
    ("second", "code"),
    [({"inputs": "boom"}, 500), ({"inputs": 5}, 422), ({"inputs": "value-error"}, 400)],
    ids=["model-error", "bad-line", "value-error"],
)
def test_bidi_error_after_the_first_output(server, second, code):
    body = _lines({"inputs": "Ann", "model_id": "greeter"}, second, {"inputs": "Cy"})
    status, _, data = http_support.post(server.port, BIDI, body, NDJSON)
    assert status == 200
    events = http_support.sse_events(data)
    assert events[0] == ("message", {"greeting": "Hi Ann"})
    assert events[-1][0] == "error"
    assert events[-1][1]["code"] == code
    assert len(events) == 2


def test_bidi_answers_while_the_request_is_still_being_sent(server):
    """Full duplex: the first answer arrives before the client has sent its second line."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(
            f"POST {BIDI} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )

        def chunk(data: bytes) -> bytes:
            return b"%x\r\n%s\r\n" % (len(data), data)

        sock.sendall(chunk(b'{"inputs": "Ann", "model_id": "greeter"}\n'))
        received = b""
        while b"Hi Ann" not in received:
            data = sock.recv(65536)
            assert data, f"connection closed early: {received!r}"
            received += data
        assert received.startswith(b"HTTP/1.1 200")
        assert b"Hi Bo" not in received
        sock.sendall(chunk(b'{"inputs": "Bo"}\n') + b"0\r\n\r\n")
        while not received.endswith(b"0\r\n\r\n"):
            data = sock.recv(65536)
            assert data, f"connection closed early: {received!r}"
            received += data
        assert b'data: {"greeting": "Hi Bo"}' in received


def test_the_body_limit_covers_a_whole_request_stream(server):
    line = json.dumps({"inputs": "x" * 1000, "model_id": "greeter"}).encode() + b"\n"
    lines = [line] * (2 * LIMIT // len(line))
    status, _, data = http_support.post(server.port, CLIENT, b"".join(lines), NDJSON)
    assert status == 413
    assert json.loads(data)["code"] == 413

    def chunked():
        yield from lines

    response = requests.post(http_support.url(server, BIDI), data=chunked(), headers=NDJSON, timeout=30)
    assert response.status_code == 200  # the stream began with the first line
    events = http_support.sse_events(response.content)
    assert events[0][0] == "message"
    assert events[-1] == ("error", {**events[-1][1], "code": 413})
