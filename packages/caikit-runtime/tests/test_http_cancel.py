"""A client that disconnects cancels the model's work, in every flavour.

The fixture models write marker files when their work starts and when it ends early
(``stopped``) or normally (``done``); the work would last a minute, so ``stopped`` without
``done`` means the server cancelled it.
"""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import http_wait_lib
import sample_lib

pytestmark = pytest.mark.slow


@pytest.fixture()
def markers(tmp_path, monkeypatch):
    directory = tmp_path / "markers"
    directory.mkdir()
    monkeypatch.setenv("HTTP_WAIT_LIB_MARKERS", str(directory))
    monkeypatch.setenv("SAMPLE_LIB_MARKER_DIR", str(directory))
    return directory


def _send(port: int, path: str, body: bytes, content_type: str = "application/json", chunked: bool = False) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    if chunked:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head.encode() + b"%x\r\n%s\r\n" % (len(body), body))
    else:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        sock.sendall(head.encode() + body)
    return sock


@pytest.fixture(scope="module")
def wait_server(tmp_path_factory):
    models = {"w": lambda path: http_wait_lib.WaitModule().save(path)}
    with http_support.running_server(tmp_path_factory.mktemp("cancel"), "http_wait_lib", models) as running:
        yield running


def test_disconnect_cancels_a_unary_call(wait_server, markers):
    body = json.dumps({"inputs": "unary", "model_id": "w", "parameters": {"seconds": 60}}).encode()
    sock = _send(wait_server.port, "/api/v1/task/wait", body)
    assert http_support.wait_for_file(markers / "unary.started")
    sock.close()
    assert http_support.wait_for_file(markers / "unary.stopped")
    assert not (markers / "unary.done").exists()


def test_disconnect_cancels_a_server_stream(wait_server, markers):
    body = json.dumps({"inputs": "sse", "model_id": "w", "parameters": {"seconds": 60, "count": 3}}).encode()
    sock = _send(wait_server.port, "/api/v1/task/server-streaming-wait", body)
    assert http_support.wait_for_file(markers / "sse-0.started")
    sock.close()
    assert http_support.wait_for_file(markers / "sse-0.stopped")
    assert not (markers / "sse-0.done").exists()
    assert not (markers / "sse-1.started").exists()


def test_a_finished_call_is_not_cancelled_by_a_later_disconnect(wait_server, markers):
    body = json.dumps({"inputs": "quick", "model_id": "w"}).encode()
    sock = _send(wait_server.port, "/api/v1/task/wait", body)
    status, _, answer = http_support.split_response(sock.recv(65536))
    sock.close()
    assert status == 200
    assert json.loads(answer)["label"] == "quick"
    assert (markers / "quick.done").exists()
    assert not (markers / "quick.stopped").exists()


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    models = {"greeter": lambda path: sample_lib.GreeterModule("Hi {}").save(path)}
    with http_support.running_server(tmp_path_factory.mktemp("cancel-sample"), "sample_lib", models) as running:
        yield running


@pytest.mark.parametrize("route", ["client-streaming-greeting", "bidi-streaming-greeting"])
def test_disconnect_cancels_an_input_stream_call(sample_server, markers, route):
    line = json.dumps({"inputs": "slow", "model_id": "greeter"}).encode() + b"\n"
    # the body stays open (chunked, never ended): the model is waiting inside its work
    sock = _send(sample_server.port, f"/api/v1/task/{route}", line, "application/x-ndjson", chunked=True)
    if route.startswith("client"):
        # client streaming reads the whole stream before it checks names: end it
        sock.sendall(b"0\r\n\r\n")
    assert http_support.wait_for_file(markers / "slow-started")
    sock.close()
    assert http_support.wait_for_file(markers / "slow-stopped")


def test_without_abortable_threads_the_work_runs_to_its_end(tmp_path, markers):
    models = {"w": lambda path: http_wait_lib.WaitModule().save(path)}
    runtime = {"use_abortable_threads": False}
    with http_support.running_server(tmp_path, "http_wait_lib", models, runtime) as server:
        body = json.dumps({"inputs": "kept", "model_id": "w", "parameters": {"seconds": 0.5}}).encode()
        sock = _send(server.port, "/api/v1/task/wait", body)
        assert http_support.wait_for_file(markers / "kept.started")
        sock.close()
        assert http_support.wait_for_file(markers / "kept.done")
        assert not (markers / "kept.stopped").exists()
