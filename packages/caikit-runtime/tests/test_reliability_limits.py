"""Size limits of a real ``python -m caikit.runtime``: bodies and messages above the limits are
refused without being read or buffered, and refusing them leaks nothing.

HTTP: ``runtime.http.max_body_bytes`` (1 MiB here). A ``Content-Length`` above it gets 413
before a byte of the body is sent; a chunked body gets 413 as soon as it passes the limit,
while the client is still sending; neither is held in memory (the server's RSS does not grow
by the body's size). ``multipart/form-data`` bodies are held to their own limits as the parts
arrive (``max_multipart_parts``, ``max_multipart_field_bytes``, ``max_multipart_file_bytes``,
and the body limit), URL-encoded forms are not parsed (415). gRPC:
``runtime.grpc.max_message_bytes`` (1 MiB here) gives
RESOURCE_EXHAUSTED for a request message, a message inside a request stream, and a response.
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from reliability_support import Runtime, standard_models, wait_until  # noqa: E402

LIMIT = 1024 * 1024
MiB = 1024 * 1024

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("limits")
    standard_models(workdir / "models")
    runtime = Runtime(
        workdir,
        config={
            "runtime": {
                "http": {
                    "max_body_bytes": LIMIT,
                    "max_multipart_parts": 50,
                    "max_multipart_field_bytes": 64 * 1024,
                    "max_multipart_file_bytes": 256 * 1024,
                },
                "grpc": {"max_message_bytes": LIMIT},
            }
        },
    )
    yield runtime
    began = time.monotonic()
    assert runtime.stop() == 0, runtime.log()[-3000:]
    assert time.monotonic() - began < 5, "a refused body kept a connection open until the grace period ended"


def _connect(server: Runtime) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_response(sock: socket.socket, timeout: float = 10.0) -> tuple:
    """``(status, headers, body)`` of one response (Content-Length framed)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", len(body)))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def _head(path: str, extra: str) -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{extra}\r\n".encode()


def test_content_length_over_the_limit_gets_413_before_the_body_is_sent(server):
    with _connect(server) as sock:
        sock.sendall(_head("/api/v1/task/echo", f"Content-Length: {100 * MiB}\r\n"))
        # not one byte of the body is sent: the answer must not wait for it
        status, headers, body = _read_response(sock, timeout=5)
    assert status == 413
    assert headers["connection"] == "close"
    assert json.loads(body)["code"] == 413


@pytest.mark.parametrize("path", ["/api/v1/task/echo", "/api/v1/task/client-streaming-echo", "/management/models", "/nowhere"])
def test_content_length_over_the_limit_while_the_client_keeps_sending(server, path):
    rss_before = server.rss_bytes()
    with _connect(server) as sock:
        sock.sendall(_head(path, f"Content-Length: {40 * MiB}\r\n"))
        sent = [0]

        def pour():
            block = b"x" * 65536
            try:
                while sent[0] < 40 * MiB:
                    sock.sendall(block)
                    sent[0] += len(block)
            except OSError:
                pass  # the server closed: expected once it has answered

        thread = threading.Thread(target=pour, daemon=True)
        thread.start()
        status, _, _ = _read_response(sock, timeout=10)
        thread.join(30)
    assert status == 413
    assert server.rss_bytes() - rss_before < 16 * MiB, "the refused body was buffered"


def test_chunked_body_over_the_limit_gets_413_as_it_passes_the_limit(server):
    rss_before = server.rss_bytes()
    with _connect(server) as sock:
        sock.sendall(_head("/api/v1/task/echo", "Transfer-Encoding: chunked\r\n"))
        sent = 0
        status = None
        chunk = b"x" * 65536
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        try:
            while sent < 64 * MiB:  # never finishes the body: the answer must come anyway
                sock.sendall(frame)
                sent += len(chunk)
                if sent > 2 * LIMIT:
                    break
        except OSError:
            pass
        status, _, body = _read_response(sock, timeout=10)
    assert status == 413
    assert json.loads(body)["details"].startswith("Request body too large")
    assert server.rss_bytes() - rss_before < 16 * MiB


def test_one_huge_declared_chunk_gets_413(server):
    with _connect(server) as sock:
        sock.sendall(_head("/api/v1/task/echo", "Transfer-Encoding: chunked\r\n") + b"%x\r\n" % (500 * MiB) + b"y" * (LIMIT + 65536))
        status, _, _ = _read_response(sock, timeout=10)
    assert status == 413


def test_ndjson_request_streams_count_against_the_limit(server):
    line = json.dumps({"model_id": "echo", "inputs": "z" * 1000}).encode() + b"\n"
    body = line * (2 * LIMIT // len(line) + 10)
    answer = server.http(
        "POST", "/api/v1/task/client-streaming-echo", [body[i : i + 65536] for i in range(0, len(body), 65536)],
        {"Content-Type": "application/x-ndjson"},
    )
    assert answer.status == 413, answer.body[:300]


def test_url_encoded_forms_are_not_parsed(server):
    big = b"a=" + b"b" * (2 * LIMIT)
    assert server.http("POST", "/api/v1/task/echo", b"inputs=hi", {"Content-Type": "application/x-www-form-urlencoded"}).status == 415
    assert server.http("POST", "/api/v1/task/echo", big, {"Content-Type": "application/x-www-form-urlencoded"}).status == 413


def _part(name: str, value: bytes, filename: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--b\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def test_a_form_within_the_limits_is_served(server):
    body = _part("model_id", b"echo") + _part("inputs", b"form") + _part("parameters.repeat", b"2") + b"--b--\r\n"
    answer = server.http("POST", "/api/v1/task/echo", body, {"Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status == 200, answer.body
    assert answer.json()["text"] == "e:formform"


@pytest.mark.parametrize("what", ["parts", "field", "file", "body"])
def test_forms_above_a_limit_get_413_while_the_client_keeps_sending(server, what):
    """Each multipart limit is enforced while the body arrives (chunked, never finished here):
    413 comes although the client is still sending, and nothing is buffered."""
    head = _part("model_id", b"echo")
    if what == "parts":
        endless = iter(lambda: _part("parameters.item.tags", b"t"), None)
    elif what == "field":
        head += b'--b\r\nContent-Disposition: form-data; name="inputs"\r\n\r\n'
        endless = iter(lambda: b"x" * 65536, None)
    elif what == "file":
        head += b'--b\r\nContent-Disposition: form-data; name="parameters.item.blob"; filename="f"\r\n\r\n'
        endless = iter(lambda: b"\x00" * 65536, None)
    else:  # files each within their limit, together above the body limit
        endless = iter(lambda: _part("parameters.item.tags", b"y" * 200 * 1024, filename="f"), None)
    rss_before = server.rss_bytes()
    with _connect(server) as sock:
        sock.sendall(_head("/api/v1/task/echo", "Transfer-Encoding: chunked\r\n").replace(
            b"application/json", b"multipart/form-data; boundary=b"))
        sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        stop = threading.Event()

        def pour():
            sent = 0
            try:
                for chunk in endless:
                    if stop.is_set() or sent > 40 * MiB:
                        return
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
            except OSError:
                pass  # the server answered and closed

        thread = threading.Thread(target=pour, daemon=True)
        thread.start()
        try:
            status, headers, body = _read_response(sock, timeout=20)
        finally:
            stop.set()
            thread.join(30)
    assert status == 413, body
    assert headers["connection"] == "close"
    limit_name = {"parts": "max_multipart_parts", "field": "max_multipart_field_bytes", "file": "max_multipart_file_bytes", "body": "max_body_bytes"}[what]
    assert limit_name in json.loads(body)["details"]
    assert server.rss_bytes() - rss_before < 16 * MiB, "the refused form was buffered"


def test_early_answers_to_unread_bodies_leak_no_connections(server):
    """404 / 415 / 413 answered before a many-chunk body is read: every connection closes and
    the descriptor count comes back (hypercorn keeps a closed keep-alive connection for its
    5 s keep-alive timeout, so the count is compared after that)."""
    baseline = server.fd_count()
    for index in range(30):
        path = ["/nowhere", "/api/v1/task/echo", "/api/v1/task/echo/"][index % 3]
        content_type = "text/plain" if index % 3 == 1 else "application/json"
        chunks = [b"{"] + [b" "] * 200 + [b"}"]
        answer = server.http("POST", path, chunks, {"Content-Type": content_type})
        assert answer.status in (307, 404, 415), answer.status
    wait_until(lambda: server.fd_count() <= baseline + 2, timeout=15, what=f"descriptors back to {baseline} (now {server.fd_count()})")


# -- gRPC -------------------------------------------------------------------------------------


def _echo(server: Runtime, text: str, repeat: int = 1):
    request = _request_class(server)(text=text, repeat=repeat)
    return server.channel.unary_unary("/caikit.runtime.ReliabilityLib.ReliabilityLibService/EchoTaskPredict")(
        request.SerializeToString(), metadata=[("mm-model-id", "echo")], timeout=30
    )


def _request_class(server: Runtime):
    from reliability_support import reflected_rpcs

    return next(r for r in reflected_rpcs(server.channel) if r.name == "EchoTaskPredict").request_class


def test_grpc_message_over_the_limit_is_resource_exhausted(server):
    assert len(_echo(server, "x" * (LIMIT // 2))) > LIMIT // 2
    with pytest.raises(grpc.RpcError) as caught:
        _echo(server, "x" * (LIMIT + 10))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_grpc_stream_message_over_the_limit_is_resource_exhausted(server):
    from reliability_support import reflected_rpcs

    rpc = next(r for r in reflected_rpcs(server.channel) if r.name == "ClientStreamingEchoTaskPredict")
    small = rpc.request_class(text="a").SerializeToString()
    big = rpc.request_class(text="b" * (LIMIT + 10)).SerializeToString()
    call = server.channel.stream_unary(rpc.path)
    with pytest.raises(grpc.RpcError) as caught:
        call(iter([small, big, small]), metadata=[("mm-model-id", "echo")], timeout=30)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_grpc_response_over_the_limit_is_resource_exhausted(server):
    with pytest.raises(grpc.RpcError) as caught:
        _echo(server, "x" * (LIMIT // 4), repeat=8)  # a 2 MiB answer
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _echo(server, "still fine")  # the server is unharmed
