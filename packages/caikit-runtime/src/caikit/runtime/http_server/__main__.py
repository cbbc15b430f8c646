"""``python -m caikit.runtime.http_server``: serve HTTP only, until SIGINT or SIGTERM.

A signal starts a graceful shutdown: new requests are refused, requests in flight get
``runtime.http.server_shutdown_grace_period_seconds`` to finish.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any, List, Optional

log = logging.getLogger("caikit.runtime.http_server")


def main(argv: Optional[List[str]] = None) -> int:
    """Run the HTTP server; returns the exit status."""
    from caikit.core.toolkit.logging import configure_logging

    from .server import RuntimeHTTPServer

    configure_logging()
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("Received signal %s: stopping", signum)
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    server = RuntimeHTTPServer()
    server.start(blocking=False)
    while not stop_requested.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
