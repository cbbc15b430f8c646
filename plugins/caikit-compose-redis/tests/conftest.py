"""Fixtures: a private ``redis-server`` on a free loopback port, started and stopped by the tests.

The tests never touch a Redis they did not start. A missing ``redis-server`` binary is a test
failure, not a skip: the backends are only tested against the real thing.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` process without persistence, which tests may stop and restart."""

    def __init__(
        self,
        workdir: Path,
        extra_args: Optional[List[str]] = None,
        port: Optional[int] = None,
        tls: bool = False,
    ):
        if not os.path.exists(REDIS_SERVER):
            pytest.fail(
                f"redis-server is required for the caikit-compose-redis tests and was not found "
                f"(looked for {REDIS_SERVER!r}; set REDIS_SERVER or install redis-server)"
            )
        self.workdir = workdir
        self.extra_args = list(extra_args or [])
        self.port = port or free_port()
        self.tls = tls
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        args = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            *self.extra_args,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"redis-server exited at start with code {self.proc.returncode}: {args!r}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    if self.tls:
                        return  # accepting connections is enough; the handshake is tested
                    sock.sendall(b"PING\r\n")
                    reply = sock.recv(64)
                    if reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Kill the server (its data is gone: there is no persistence)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        """Stop, then start empty on the same port."""
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """One server for the session; tests isolate themselves by namespace."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    """A server of the test's own (for tests that stop, restart or reconfigure it)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def make_redis(tmp_path_factory) -> Iterator:
    """``make_redis(extra_args) -> RedisServer``: more servers (stopped after the session)."""
    servers: List[RedisServer] = []

    def make(
        extra_args: Optional[List[str]] = None, port: Optional[int] = None, tls: bool = False
    ) -> RedisServer:
        server = RedisServer(tmp_path_factory.mktemp("redis"), extra_args, port, tls)
        server.start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nobody listens on."""
    return free_port()


@pytest.fixture(scope="module")
def unused_port_module() -> int:
    """A loopback port nobody listens on (one per test module)."""
    return free_port()


@pytest.fixture
def namespace() -> str:
    """A fresh key namespace, so tests sharing a server never see each other's keys."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_config(redis_server: RedisServer, namespace: str) -> dict:
    """The ``config`` section for the session server in a fresh namespace."""
    return {"url": redis_server.url, "namespace": namespace, "block_ms": 200}
