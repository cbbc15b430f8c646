"""``python -m caikit.runtime`` (console script ``caikit-runtime``): serve until SIGINT/SIGTERM.

Starts the gRPC server when ``runtime.grpc.enabled`` and the HTTP server when
``runtime.http.enabled`` (only if ``caikit.runtime.http_server`` is installed; otherwise a
warning, or an error when HTTP is the only server asked for). On SIGINT or SIGTERM both stop:
new calls are refused at once, calls in flight get the configured grace period.

Options: ``--grpc-only`` / ``--http-only`` override the ``enabled`` flags.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any, List, Optional

log = logging.getLogger("caikit.runtime")


def _http_server_class() -> Any:
    try:
        from caikit.runtime.http_server import RuntimeHTTPServer  # type: ignore[attr-defined]
    except ImportError as err:
        return err
    return RuntimeHTTPServer


_USAGE = """usage: caikit-runtime [--grpc-only | --http-only]
       python -m caikit.runtime [--grpc-only | --http-only]

Serve the tasks of a library of caikit modules over gRPC and HTTP until SIGINT/SIGTERM.

options:
  -h, --help    show this help and exit
  --grpc-only   serve gRPC only (ignores runtime.http.enabled)
  --http-only   serve HTTP only (ignores runtime.grpc.enabled)

Everything else is configuration: every key of the defaults can be set from the environment
by its upper-snake path, or from YAML files listed in CONFIG_FILES (comma separated).
The ones most often set:
  RUNTIME_LIBRARY                   package whose @module classes are served   (sample_lib)
  RUNTIME_LOCAL_MODELS_DIR          models loaded at boot, id = entry name     (models)
  RUNTIME_LAZY_LOAD_LOCAL_MODELS    load unknown ids from that dir on use      (false)
  RUNTIME_GRPC_ENABLED / _PORT      gRPC server                                (true / 8085)
  RUNTIME_HTTP_ENABLED / _PORT      HTTP server                                (true / 8080)
  RUNTIME_METRICS_ENABLED / _PORT   Prometheus metrics                         (true / 8086)
  RUNTIME_TLS_SERVER_KEY / _CERT    TLS (file path or inline PEM)
  RUNTIME_TLS_CLIENT_CERT           CA of client certificates: mutual TLS
  RUNTIME_TRAINING_OUTPUT_DIR       where trained models are saved             (training_output)
  LOG_LEVEL / LOG_FORMATTER         logging                                    (info / json)
Every key, its default and its variable: docs/configuration.md.
"""


class _Args:
    grpc_only = False
    http_only = False


def _parse_args(argv: List[str]) -> Optional[_Args]:
    # two flags: no argparse on the boot path (it is a few milliseconds of import)
    args = _Args()
    for arg in argv:
        if arg in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return None
        if arg == "--grpc-only":
            args.grpc_only = True
        elif arg == "--http-only":
            args.http_only = True
        else:
            sys.stderr.write(_USAGE + f"caikit-runtime: error: unrecognized argument {arg!r}\n")
            raise SystemExit(2)
    if args.grpc_only and args.http_only:
        sys.stderr.write(_USAGE + "caikit-runtime: error: --grpc-only and --http-only exclude each other\n")
        raise SystemExit(2)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Run the configured servers; returns the exit status."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args is None:
        return 0

    from caikit.config import ConfigError, get_config
    from caikit.core.toolkit.logging import configure_logging

    try:
        configure_logging()
        runtime = get_config().runtime
    except ConfigError as err:
        sys.stderr.write(f"caikit-runtime: configuration error: {err}\n")
        return 2
    grpc_enabled = bool(runtime.grpc.enabled) and not args.http_only
    http_enabled = bool(runtime.http.enabled) and not args.grpc_only
    servers: List[Any] = []
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("Received signal %s: stopping", signum)
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    from caikit.runtime import extensions
    from caikit.runtime.metering import MeteringConfigError
    from caikit.runtime.service_generation.compatibility import BackwardsCompatibilityError

    try:
        # names and shapes of both lists first: no model is loaded for a start that must fail
        if grpc_enabled:
            extensions.resolve(runtime.grpc.interceptors, extensions.GRPC_INTERCEPTORS, "runtime.grpc.interceptors")
        if http_enabled:
            extensions.resolve(runtime.http.middleware, extensions.HTTP_MIDDLEWARE, "runtime.http.middleware")
        if grpc_enabled:
            from caikit.runtime.grpc_server import RuntimeGRPCServer

            grpc_server = RuntimeGRPCServer()
            grpc_server.start(blocking=False)
            servers.append(grpc_server)
        if http_enabled:
            http_class = _http_server_class()
            if isinstance(http_class, ImportError):
                if not grpc_enabled:
                    log.error("runtime.http.enabled is set but the HTTP server is not available: %s", http_class)
                    return 1
                log.warning("HTTP server not started (not installed: %s); serving gRPC only", http_class)
            else:
                http_server = http_class()
                http_server.start(blocking=False)
                servers.append(http_server)
    # a configured interceptor or middleware, or runtime.metering, cannot be used, or the
    # library dropped modules that runtime.service_generation.backwards_compatibility requires
    except (extensions.ExtensionError, MeteringConfigError, BackwardsCompatibilityError) as err:
        sys.stderr.write(f"caikit-runtime: configuration error: {err}\n")
        _stop_all(servers)
        return 2
    if not servers:
        log.error("Neither runtime.grpc.enabled nor runtime.http.enabled is set: nothing to serve")
        return 1

    # Sleep in short waits so the main thread keeps handling signals.
    while not stop_requested.wait(0.5):
        pass
    _stop_all(servers)
    _leave_stuck_work()
    return 0


def _stop_all(servers: List[Any]) -> None:
    """Stop every server at once (each with its own grace period), then the shared parts."""

    def stop(server: Any) -> None:
        try:
            server.stop()
        except Exception:
            log.exception("Error while stopping %s", type(server).__name__)

    threads = [threading.Thread(target=stop, args=(server,), daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    from caikit.runtime.metrics import stop_metrics_server
    from caikit.runtime.model_management.model_manager import reset_model_manager
    from caikit.runtime.thread_pool import shutdown_thread_pool

    reset_model_manager()
    stop_metrics_server()
    shutdown_thread_pool()


def _leave_stuck_work(timeout: float = 1.0) -> None:
    """Exit now if work outlived the grace period.

    Model calls, model loads and trainings run in pool threads that the interpreter joins at
    exit, so a model stuck in native code or a load that hangs would keep the process alive
    long after the servers stopped. They get ``timeout`` seconds to end; then the process
    exits without them (logs flushed).
    """
    import os
    import time

    deadline = time.monotonic() + timeout
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate() if t is not current and not t.daemon and t.is_alive()]
    if stuck:
        log.warning("Exiting with work still running after the grace period (threads %s)", ", ".join(stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
