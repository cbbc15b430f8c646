"""Descriptors of HTTP connections: a connection its client closed is closed at once.

hypercorn alone keeps such a connection (and its descriptor) until its keep-alive timer fires,
5 s later, so a server taking a few hundred new connections a second runs out of descriptors
(``http_server/_prompt_close.py``). Against a real ``python -m caikit.runtime``: after 200
connections that each send one request and close, the server's descriptor count is back to
where it was well before the keep-alive timeout; connections kept open are still reused and
still closed by the server once idle for the keep-alive timeout.
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

import http_support  # noqa: E402
from reliability_support import process_figures, running, standard_models, wait_until  # noqa: E402

BODY = b'{"model_id": "echo", "inputs": "x"}'
REQUEST = (
    b"POST /api/v1/task/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY
)


def _answered(sock: socket.socket) -> bytes:
    answer = http_support.read_response(sock)
    assert b"e:x" in answer, answer
    return answer


def test_connections_closed_by_their_clients_release_their_descriptors_at_once(tmp_path):
    standard_models(tmp_path / "models")
    with running(tmp_path) as server:
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as warm:
            warm.sendall(REQUEST)
            _answered(warm)
        time.sleep(0.2)
        baseline = process_figures(server.pid)["fds"]
        began = time.monotonic()
        for _ in range(200):
            with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as sock:
                sock.sendall(REQUEST)
                assert _answered(sock).startswith(b"HTTP/1.1 200")
        # hypercorn's keep-alive timeout is 5 s: well before it, all 200 are closed
        wait_until(lambda: process_figures(server.pid)["fds"] <= baseline + 2, timeout=2.0, what="descriptors released")
        assert time.monotonic() - began < 4.5


def test_kept_alive_connections_are_reused_and_closed_when_idle(tmp_path):
    standard_models(tmp_path / "models")
    with running(tmp_path) as server:
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as sock:
            for _ in range(3):
                sock.sendall(REQUEST)
                assert _answered(sock).startswith(b"HTTP/1.1 200")
                time.sleep(0.5)
            # idle past the keep-alive timeout (5 s): the server closes its end
            sock.settimeout(10)
            began = time.monotonic()
            assert sock.recv(100) == b""
            assert 3.5 < time.monotonic() - began < 8
