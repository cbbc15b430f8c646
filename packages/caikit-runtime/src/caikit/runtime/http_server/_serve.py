"""Serving an ASGI app with hypercorn on an event loop in a background thread.

* The listening socket is bound here, before hypercorn starts, so ``port=0`` works (the bound
  port is known at once) and start-up errors (port in use) surface in the caller's thread.
  The default host is dual-stack (``::`` accepting IPv4 too), falling back to ``0.0.0.0``.
* TLS from ``runtime.tls.*`` (:mod:`caikit.runtime.tls`): server key and certificate turn
  TLS on; a client CA turns on mutual TLS (``CERT_REQUIRED``). Inline PEM is written to
  private temporary files for hypercorn and removed when the server stops.
* A connection the client has closed is closed at once, not when hypercorn's keep-alive timer
  fires (:mod:`._prompt_close`).
* :meth:`ServerThread.stop` is a graceful shutdown: hypercorn stops accepting, closes idle
  keep-alive connections and waits up to the grace period for requests in flight; whatever is
  still running then is cancelled (which cancels the model work of those requests).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import threading
from typing import Any, Callable, List, Optional

__all__ = ["ServerThread", "bind_socket", "hypercorn_config"]

log = logging.getLogger("caikit.runtime.http_server")


def bind_socket(host: Optional[str], port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``None``/``""``/``"::"``: every address).

    Raises:
        OSError: the address cannot be bound (e.g. the port is in use)
    """
    if host in (None, "", "::", "[::]"):
        try:
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("::", port))
            except OSError:
                sock.close()
                raise
        except OSError:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", port))
    else:
        family, type_, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, type_, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


def hypercorn_config(sock: socket.socket, grace_seconds: float, tls: Any = None) -> Any:
    """The hypercorn ``Config`` serving on ``sock`` (handed over as ``fd://``).

    Args:
        sock: the listening socket (hypercorn gets a duplicate of its descriptor)
        grace_seconds: how long a shutdown waits for requests in flight
        tls: the :class:`~caikit.runtime.tls.TLSSettings` (None or disabled: plain HTTP)

    Returns:
        ``(config, temporary files to remove after the server stopped)``
    """
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"fd://{os.dup(sock.fileno())}"]
    config.graceful_timeout = float(grace_seconds)
    config.accesslog = None
    config.errorlog = logging.getLogger("caikit.runtime.http_server.hypercorn")
    config.include_server_header = False
    config.backlog = 1024
    temp_files: List[str] = []
    if tls is not None and tls.enabled:
        files = tls.as_files()
        temp_files = [p for p in (files.key, files.cert, files.client_ca) if p]
        config.keyfile = files.key
        config.certfile = files.cert
        if files.client_ca:
            config.ca_certs = files.client_ca
            config.verify_mode = ssl.CERT_REQUIRED
    return config, temp_files


#: Seconds a closing TLS connection waits for the client's close_notify. asyncio's default is
#: 30 s, and Python 3.11's ``Server.wait_closed`` waits for every connection: an idle
#: keep-alive client that never reads would hold a shutdown for that long.
SSL_SHUTDOWN_TIMEOUT = 1.0


def _coalescing_transport_class() -> Any:
    """A socket transport that gathers the writes of one loop iteration into one ``send``.

    hypercorn writes a response's head and body separately, and asyncio sends each at once:
    two system calls, two packets, two wake-ups of the client for every small response. Held
    until the loop's next iteration, they go out together. None when this Python's asyncio
    has no selector transport to extend (then writes are left alone).
    """
    from asyncio import selector_events

    base = getattr(selector_events, "_SelectorSocketTransport", None)
    if base is None:
        return None

    class CoalescingTransport(base):  # type: ignore[misc, valid-type]
        _pending: Optional[bytearray] = None

        def write(self, data: Any) -> None:
            if self._pending is None:
                if not data or self._conn_lost or self._eof:
                    super().write(data)  # the base class's checks and errors
                    return
                self._pending = bytearray(data)
                self._loop.call_soon(self._flush)
            else:
                self._pending += data

        def _flush(self) -> None:
            pending, self._pending = self._pending, None
            if pending:
                super().write(bytes(pending))

        def get_write_buffer_size(self) -> int:
            return super().get_write_buffer_size() + len(self._pending or b"")

        def write_eof(self) -> None:
            self._flush()
            super().write_eof()

        def close(self) -> None:
            self._flush()
            super().close()

        def abort(self) -> None:
            self._pending = None
            super().abort()

    return CoalescingTransport


class _ServerLoop(asyncio.SelectorEventLoop):
    """The server thread's event loop: responses go out in one write, and TLS servers close
    connections promptly."""

    _transport_class = _coalescing_transport_class()

    def _make_socket_transport(self, sock: Any, protocol: Any, waiter: Any = None, *, extra: Any = None, server: Any = None) -> Any:
        if self._transport_class is None:
            return super()._make_socket_transport(sock, protocol, waiter, extra=extra, server=server)  # type: ignore[misc]
        return self._transport_class(self, sock, protocol, waiter, extra, server)

    async def create_server(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("ssl") is not None:
            kwargs.setdefault("ssl_shutdown_timeout", SSL_SHUTDOWN_TIMEOUT)
        return await super().create_server(*args, **kwargs)


def _exception_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    # Python 3.11's asyncio.streams reads the exception of a cancelled connection task and
    # reports the CancelledError as an error; connections cancelled at shutdown are expected.
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


def _cancel_leftover_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what still runs once hypercorn has returned (e.g. background body drains) and
    let it finish, so closing the loop destroys no pending task."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


class ServerThread:
    """Runs ``hypercorn.asyncio.serve(app, config)`` on a private event loop in a thread.

    Args:
        app: the ASGI application
        config: the hypercorn config
        on_stop: coroutine function run on the server's loop when a stop begins (e.g. to start
            refusing new requests)
    """

    def __init__(self, app: Any, config: Any, on_stop: Optional[Callable[[], Any]] = None):
        self.app = app
        self.config = config
        self.on_stop = on_stop
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.error: Optional[BaseException] = None
        self._shutdown: Optional[asyncio.Event] = None
        self._ready = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self, started: threading.Event, timeout: float = 60.0) -> None:
        """Start serving; return once ``started`` is set (the app saw lifespan startup).

        Raises:
            RuntimeError: the server failed to start (the cause is chained)
        """
        self._thread = threading.Thread(target=self._run, name="caikit-http-server", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        while not started.wait(0.05):
            if self.error is not None or not self._thread.is_alive():
                raise RuntimeError("The HTTP server failed to start") from self.error
            if not self._ready.is_set():
                raise RuntimeError("The HTTP server's event loop did not start")
        if self.error is not None:
            raise RuntimeError("The HTTP server failed to start") from self.error

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        from . import _prompt_close

        _prompt_close.install()  # client-closed connections release their descriptor at once
        loop = _ServerLoop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_exception_handler)
        self.loop = loop
        self._shutdown = asyncio.Event()
        self._ready.set()
        try:
            loop.run_until_complete(serve(self.app, self.config, shutdown_trigger=self._shutdown.wait, mode="asgi"))
        except BaseException as err:
            self.error = err
            log.error("The HTTP server stopped with an error: %r", err, exc_info=err)
        finally:
            try:
                _cancel_leftover_tasks(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def stop(self, timeout: Optional[float] = None) -> None:
        """Begin a graceful shutdown and wait until the server has stopped.

        Args:
            timeout: most seconds to wait for the thread (default: the grace period + 5 s)
        """
        loop, thread = self.loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return

        async def begin_stop() -> None:
            if self.on_stop is not None:
                await self.on_stop()
            if self._shutdown is not None:
                self._shutdown.set()

        try:
            asyncio.run_coroutine_threadsafe(begin_stop(), loop)
        except RuntimeError:  # the loop is already closed
            return
        thread.join(timeout if timeout is not None else float(self.config.graceful_timeout) + 5.0)
        if thread.is_alive():
            log.warning("The HTTP server did not stop within the grace period")

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()
