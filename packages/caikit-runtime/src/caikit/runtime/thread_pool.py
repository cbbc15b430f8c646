"""The one thread pool that runs request handlers of both servers (``runtime.server_thread_pool_size``).

Sharing one pool bounds the model work of the whole process, whichever protocol it arrives
by. ``runtime.grpc.server_thread_pool_size`` (legacy) overrides the size when set.

API: :func:`get_thread_pool`, :func:`shutdown_thread_pool`.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

__all__ = ["get_thread_pool", "pool_size", "shutdown_thread_pool"]

_POOL: Optional[ThreadPoolExecutor] = None
_LOCK = threading.Lock()


def pool_size() -> int:
    """The configured number of handler threads."""
    from caikit.config import get_config

    runtime = get_config().runtime
    legacy = (runtime.grpc or {}).get("server_thread_pool_size")
    return int(legacy or runtime.server_thread_pool_size or 100)


def get_thread_pool() -> ThreadPoolExecutor:
    """The process-wide handler pool (created on first use)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="caikit-handler")
        return _POOL


def shutdown_thread_pool(wait: bool = False) -> None:
    """Shut the pool down (the next :func:`get_thread_pool` makes a new one)."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)
