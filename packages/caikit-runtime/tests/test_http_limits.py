"""Limits of the HTTP server: body size (with and without Content-Length), requests in flight,
and the graceful shutdown that finishes admitted requests."""
from __future__ import annotations

import json
import socket
import sys
import threading
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import http_wait_lib

pytestmark = pytest.mark.slow

LIMIT = 1024
WAIT = "/api/v1/task/wait"


def _save_wait(path: str) -> None:
    http_wait_lib.WaitModule().save(path)


@pytest.fixture()
def markers(tmp_path, monkeypatch):
    directory = tmp_path / "markers"
    directory.mkdir()
    monkeypatch.setenv("HTTP_WAIT_LIB_MARKERS", str(directory))
    return directory


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runtime = {"http": {"max_body_bytes": LIMIT}}
    with http_support.running_server(tmp_path_factory.mktemp("limits"), "http_wait_lib", {"w": _save_wait}, runtime) as running:
        yield running


def _assert_413(raw: bytes) -> None:
    status, headers, body = http_support.split_response(raw)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert headers.get("connection") == "close"
    error = json.loads(body)
    assert error["code"] == 413
    assert str(LIMIT) in error["details"]


# -- body size --------------------------------------------------------------------------------


def test_a_body_within_the_limit_is_served(server):
    body = {"inputs": "ok", "model_id": "w"}
    response = requests.post(http_support.url(server, WAIT), json=body, timeout=30)
    assert response.status_code == 200
    assert response.json()["label"] == "ok"


def test_content_length_above_the_limit_is_refused_before_the_body_is_sent(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        # only the head: the answer cannot depend on reading a body that was never sent
        sock.sendall(
            f"POST {WAIT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {10 * 1024 * 1024 * 1024}\r\n\r\n".encode()
        )
        _assert_413(http_support.read_response(sock))


def test_a_large_body_with_content_length_gets_413_not_a_reset(server):
    response = requests.post(
        http_support.url(server, WAIT), data=b"x" * (4 * 1024 * 1024),
        headers={"Content-Type": "application/json"}, timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["code"] == 413


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(
            f"POST {WAIT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        part = b"x" * 512
        for _ in range(3):  # 1536 bytes > LIMIT, and the body never ends
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        _assert_413(http_support.read_response(sock))


def test_a_large_chunked_body_gets_413(server):
    def body():
        for _ in range(1024):
            yield b"x" * 4096

    response = requests.post(
        http_support.url(server, WAIT), data=body(), headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413


def test_a_chunked_body_within_the_limit_is_served(server):
    def body():
        yield b'{"inputs": "chunked",'
        yield b' "model_id": "w"}'

    response = requests.post(
        http_support.url(server, WAIT), data=body(), headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 200
    assert response.json()["label"] == "chunked"


# -- requests in flight -----------------------------------------------------------------------


def test_above_the_in_flight_limit_requests_get_503_at_once(tmp_path, markers):
    runtime = {"http": {"max_concurrent_requests": 1}}
    with http_support.running_server(tmp_path, "http_wait_lib", {"w": _save_wait}, runtime) as server:
        _check_overload(server, markers)


def _check_overload(server, markers):
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        body = json.dumps({"inputs": "busy", "model_id": "w", "parameters": {"seconds": 60}}).encode()
        slow.sendall(
            f"POST {WAIT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        assert http_support.wait_for_file(markers / "busy.started")
        response = requests.post(http_support.url(server, WAIT), json={"inputs": "x", "model_id": "w"}, timeout=30)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/json"
        assert response.headers["retry-after"] == "1"
        assert response.json()["code"] == 503
        assert not (markers / "x.started").exists()
    finally:
        slow.close()
    # closing the connection cancelled the slow request: the slot is free again
    assert http_support.wait_for_file(markers / "busy.stopped")
    assert not (markers / "busy.done").exists()
    for _ in range(100):
        response = requests.post(http_support.url(server, WAIT), json={"inputs": "after", "model_id": "w"}, timeout=30)
        if response.status_code == 200:
            break
    assert response.status_code == 200


# -- graceful shutdown ------------------------------------------------------------------------


def test_shutdown_finishes_admitted_requests(tmp_path, markers):
    runtime = {"http": {"server_shutdown_grace_period_seconds": 30}}
    with http_support.running_server(tmp_path, "http_wait_lib", {"w": _save_wait}, runtime) as server:
        results = {}

        def call():
            body = {"inputs": "inflight", "model_id": "w", "parameters": {"seconds": 1.0}}
            results["response"] = requests.post(http_support.url(server, WAIT), json=body, timeout=60)

        client = threading.Thread(target=call)
        client.start()
        assert http_support.wait_for_file(markers / "inflight.started")
        server.stop()  # the configured grace period
        client.join(30)
        assert (markers / "inflight.done").exists()
        assert results["response"].status_code == 200
        assert results["response"].json()["label"] == "inflight"
        with pytest.raises(requests.ConnectionError):
            requests.post(http_support.url(server, WAIT), json={"inputs": "late", "model_id": "w"}, timeout=5)


def test_shutdown_cancels_what_outlives_the_grace_period(tmp_path, markers):
    with http_support.running_server(tmp_path, "http_wait_lib", {"w": _save_wait}) as server:
        answers = []

        def call():
            body = {"inputs": "outlives", "model_id": "w", "parameters": {"seconds": 60}}
            answers.append(requests.post(http_support.url(server, WAIT), json=body, timeout=60))

        client = threading.Thread(target=call)
        client.start()
        assert http_support.wait_for_file(markers / "outlives.started")
        server.stop(0.2)
        client.join(30)
        assert http_support.wait_for_file(markers / "outlives.stopped")
        assert not (markers / "outlives.done").exists()
        [answer] = answers
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/json"
        assert "shutting down" in answer.json()["details"]
