"""``RuntimeHTTPServer``: the runtime's services over HTTP, on starlette and hypercorn.

Usage::

    with RuntimeHTTPServer() as server:           # start(blocking=False) ... stop(0)
        requests.post(f"http://localhost:{server.port}/api/v1/task/greeting",
                      json={"inputs": "Gabe", "model_id": "greeter"})

Settings (``runtime.*``): ``http.port`` (0 picks a free port; ``server.port`` tells which),
``http.host`` (default: every address, IPv4 and IPv6), ``http.route_prefix``,
``http.max_body_bytes``, ``http.max_multipart_parts``, ``http.max_multipart_field_bytes``,
``http.max_multipart_file_bytes``, ``http.max_concurrent_requests``,
``http.server_shutdown_grace_period_seconds``, ``http.inline_call_max_ms`` (see
:mod:`._calls`), ``http.middleware`` (entry points of ``caikit.runtime.http_middleware``,
outermost first, inside the 503 and 413 guards: see :mod:`._extensions`), ``tls.*``,
``server_thread_pool_size``, ``metrics.*``, ``metering.*`` (see :mod:`caikit.runtime.metering`),
``version_info.runtime_image``.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Dict, Optional

# Fail at import, not at construction, when the "http" extra is not installed
import hypercorn  # noqa: F401
import starlette  # noqa: F401

from ._app import App, build_app
from ._calls import CallRunner, get_thread_pool
from ._context import HandlerContext
from ._multipart import FormLimits
from ._serve import ServerThread, bind_socket, hypercorn_config

__all__ = ["RuntimeHTTPServer"]

log = logging.getLogger("caikit.runtime.http_server")

#: Default of ``runtime.http.inline_call_max_ms`` (see :mod:`._calls`)
DEFAULT_INLINE_CALL_MAX_MS = 0.5


def _setting(section: Any, key: str, default: Any) -> Any:
    value = section.get(key) if section is not None and hasattr(section, "get") else None
    return default if value is None else value


class RuntimeHTTPServer:
    """The runtime's HTTP server (see the module docstring).

    Args:
        port: override ``runtime.http.port``
        tls: override the TLS settings (a :class:`~caikit.runtime.tls.TLSSettings`)

    Raises:
        OSError: the port cannot be bound
        TLSConfigError: unreadable TLS material
        ImportError / TypeError: ``runtime.library`` cannot be served
        ExtensionError: a configured middleware cannot be used (the message names it)
        MeteringConfigError: ``runtime.metering`` cannot be used (bad value, unwritable
            ``log_dir``; the message names the key)
    """

    def __init__(self, port: Optional[int] = None, tls: Any = None):
        from caikit.config import get_config
        from caikit.runtime.extensions import http_middleware
        from caikit.runtime.metering import MeteredMetrics, meter_for_server
        from caikit.runtime.metrics import get_metrics
        from caikit.runtime.model_management.model_manager import get_model_manager
        from caikit.runtime.service_generation import get_services
        from caikit.runtime.tls import tls_settings

        config = get_config()
        runtime = config.runtime
        http = runtime.http or {}
        # first: a misconfigured middleware fails start-up before anything is generated
        middleware = http_middleware(_setting(http, "middleware", None))
        self._config = config
        self.services = get_services(runtime)
        self.model_manager = get_model_manager()
        self.metrics = get_metrics()
        self.metrics.loaded_models = self.model_manager.loaded_count
        # runtime.metering: None when off, and the handlers get the metrics themselves
        self.meter = meter_for_server(runtime, self.model_manager)
        handler_metrics: Any = self.metrics if self.meter is None else MeteredMetrics(self.metrics, self.meter)
        self.tls = tls if tls is not None else tls_settings(config)
        self.grace_period_seconds = float(_setting(http, "server_shutdown_grace_period_seconds", 5))

        inline_ms = float(_setting(http, "inline_call_max_ms", DEFAULT_INLINE_CALL_MAX_MS))
        runner = CallRunner(get_thread_pool(), inline_ms / 1000.0, runtime.use_abortable_threads is not False)
        self.context = HandlerContext(
            model_manager=self.model_manager,
            runner=runner,
            max_body_bytes=int(_setting(http, "max_body_bytes", 0)),
            metrics=handler_metrics,
            form_limits=FormLimits.from_config(http),
        )
        training_manager = job_manager = None
        if self.services.training is not None:
            from caikit.runtime.training_management import get_training_manager

            training_manager = get_training_manager()
        if self.services.jobs is not None:
            from caikit.runtime.prediction_jobs import get_job_manager

            job_manager = get_job_manager()
        version_info = runtime.version_info or {}
        self.application: App = build_app(
            self.services,
            self.context,
            route_prefix=str(_setting(http, "route_prefix", "api/v1")),
            max_in_flight=int(_setting(http, "max_concurrent_requests", 0)),
            training_manager=training_manager,
            job_manager=job_manager,
            runtime_image=str(version_info.get("runtime_image") or ""),
            middleware=middleware,
        )
        requested = _setting(http, "port", 8080) if port is None else port
        self._socket = bind_socket(_setting(http, "host", None), int(requested))
        self._socket_closed = False
        self.port: int = self._socket.getsockname()[1]
        self._thread: Optional[ServerThread] = None
        self._temp_files: list = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    # -- the application --------------------------------------------------------------------

    @property
    def app(self) -> Any:
        """The starlette application."""
        return self.application.starlette

    @property
    def openapi(self) -> Dict[str, Any]:
        """The OpenAPI document served at ``/openapi.json``."""
        return self.application.openapi

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, blocking: bool = True) -> None:
        """Load the boot-time models and start serving; with ``blocking``, serve until
        :meth:`stop` is called from another thread (or the process is interrupted)."""
        with self._lock:
            if self._thread is None:
                self.model_manager.boot()
                config, self._temp_files = hypercorn_config(self._socket, self.grace_period_seconds, self.tls)
                # hypercorn serves a duplicate of the descriptor; ours is no longer needed
                self._socket.close()
                self._socket_closed = True
                front = self.application.asgi
                self._thread = ServerThread(front, config, on_stop=self._begin_drain)
                self._thread.start(front.started)
                self._start_metrics()
                if self.meter is not None:
                    self.meter.start()
                scheme = "https" if self.tls.enabled else "http"
                log.info("HTTP server serving on %s://0.0.0.0:%s", scheme, self.port)
        if blocking:
            try:
                while not self._stopped.wait(0.5):
                    pass
            except KeyboardInterrupt:
                self.stop()

    async def _begin_drain(self) -> None:
        self.application.asgi.draining = True

    def _start_metrics(self) -> None:
        from caikit.runtime.metrics import start_metrics_in_background

        start_metrics_in_background(self._config.runtime)

    def _remove_temp_files(self) -> None:
        for path in self._temp_files:
            try:
                os.unlink(path)
            except OSError:
                pass
        self._temp_files = []

    def stop(self, grace_period_seconds: Optional[float] = None) -> None:
        """Stop: refuse new requests, let those in flight finish for the grace period, then end.

        Args:
            grace_period_seconds: default ``runtime.http.server_shutdown_grace_period_seconds``
        """
        with self._lock:
            thread = self._thread
            if thread is None:
                self._close_socket()
                self._stopped.set()
                return
            if grace_period_seconds is not None:
                thread.config.graceful_timeout = float(grace_period_seconds)
            thread.stop()
            if self.meter is not None:
                # after the requests in flight ended: the last partial interval has all of them
                self.meter.stop()
            self._remove_temp_files()
            self._stopped.set()
            log.info("HTTP server stopped")

    def __enter__(self) -> RuntimeHTTPServer:
        self.start(blocking=False)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop(0)

    def _close_socket(self) -> None:
        if not self._socket_closed:
            self._socket.close()
            self._socket_closed = True

    def __del__(self) -> None:
        if getattr(self, "_socket", None) is not None and getattr(self, "_thread", None) is None:
            self._close_socket()
