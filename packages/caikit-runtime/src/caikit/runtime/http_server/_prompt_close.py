"""Close a connection as soon as its client has closed it, not ``keep_alive_timeout`` later.

hypercorn (0.18, as of writing) stops reading a connection when the client closes it, but when no request
is in progress it then waits for its keep-alive timer (5 s) before closing its side, so the
connection's descriptor stays open that long. A server taking *c* new connections a second from
clients that do not reuse them (most scripts, many load balancers' health checks) holds about
*5c* descriptors: at a few hundred connections a second it reaches the usual limit of 1,024 and
starts refusing connections.

:func:`install` has hypercorn's asyncio worker build connections with :class:`PromptCloseTCPServer`,
which stops the keep-alive timer once the client's end is closed: the connection then closes as
soon as the requests in progress (if any) are answered. Nothing else changes. hypercorn builds
its connections through a module-level name, so this applies to every hypercorn server in the
process; it is installed only when hypercorn's classes have the shape it was written against
(otherwise the runtime serves with hypercorn's own behaviour and logs why).
"""
from __future__ import annotations

import logging
from typing import Any

__all__ = ["PromptCloseTCPServer", "install"]

log = logging.getLogger("caikit.runtime.http_server")

PromptCloseTCPServer: Any = None


def _build() -> Any:
    from hypercorn.asyncio.tcp_server import TCPServer

    class _PromptClose(TCPServer):  # type: ignore[misc, valid-type]
        """hypercorn's connection, closed when the client has closed its end."""

        async def _read_data(self) -> None:
            await super()._read_data()
            # the client is gone: don't keep the connection for the keep-alive timer; the
            # requests still in progress keep it open until they are answered
            await self.idle_task.stop()

    return _PromptClose


def install() -> bool:
    """Make hypercorn's asyncio worker use :class:`PromptCloseTCPServer` (idempotent); whether
    it is in use."""
    global PromptCloseTCPServer
    from hypercorn.asyncio import run, tcp_server

    if PromptCloseTCPServer is not None and run.TCPServer is PromptCloseTCPServer:
        return True
    original = tcp_server.TCPServer
    init_code = getattr(original.__init__, "__code__", None)
    fits = (
        run.TCPServer is original
        and callable(getattr(original, "_read_data", None))
        and init_code is not None
        and "idle_task" in init_code.co_names
    )
    if not fits:
        log.warning(
            "hypercorn's connection class is not the one this runtime knows: connections the client "
            "closed stay open until hypercorn's keep-alive timeout"
        )
        return False
    PromptCloseTCPServer = _build()
    run.TCPServer = PromptCloseTCPServer
    return True
