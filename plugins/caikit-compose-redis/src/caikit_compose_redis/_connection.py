"""Redis clients built from :class:`RedisSettings`, connection checks and reconnection backoff.

redis-py's own retries are switched off everywhere: whether a failed write may be retried
depends on whether it reached the server, which only the caller knows (see ``_publisher``).
"""
from __future__ import annotations

import random
import threading
from typing import Any, Dict, Optional

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry

from ._settings import RedisSettings
from .errors import RedisAuthenticationError, RedisUnavailableError

__all__ = [
    "CONNECTION_ERRORS",
    "Backoff",
    "check_connection",
    "close_client",
    "connect",
    "is_auth_error",
    "is_cluster",
    "make_client",
    "translate_error",
]

#: Errors that mean "the connection is gone or the server is (re)starting" (for a Cluster
#: client also "no node of the cluster answers").
CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError, RedisClusterException)


def _pool_kwargs(settings: RedisSettings, socket_timeout: float) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": settings.connect_timeout,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0,
    }
    if settings.password is not None:
        kwargs["password"] = settings.password
    if settings.username is not None:
        kwargs["username"] = settings.username
    if settings.url.startswith("rediss://"):
        kwargs.update(settings.ssl)
    return kwargs


def make_client(
    settings: RedisSettings,
    *,
    max_connections: Optional[int] = None,
    socket_timeout: Optional[float] = None,
) -> Any:
    """A client with its own pool (``max_connections``; default ``settings.pool_size``).

    With ``cluster: true`` it is a ``RedisCluster`` client (its pools are per node), which
    connects to the cluster at once to learn its slots.

    Args:
        settings: the validated options
        max_connections: pool size (1 for a blocking consumer's private connection)
        socket_timeout: seconds a reply may take (default ``settings.socket_timeout``)

    Raises:
        RedisClusterException, redis.RedisError: a Cluster client could not reach any node
    """
    if settings.cluster:
        kwargs = _pool_kwargs(settings, socket_timeout or settings.socket_timeout)
        kwargs.pop("retry")
        return RedisCluster.from_url(
            settings.url,
            retry=Retry(NoBackoff(), 0),
            max_connections=max_connections or settings.pool_size,
            **kwargs,
        )
    # A blocking pool: threads beyond the pool size wait for a connection instead of failing.
    pool = redis.BlockingConnectionPool.from_url(
        settings.url,
        max_connections=max_connections or settings.pool_size,
        timeout=settings.socket_timeout,
        **_pool_kwargs(settings, socket_timeout or settings.socket_timeout),
    )
    return redis.Redis(connection_pool=pool)


def is_cluster(client: Any) -> bool:
    """Whether ``client`` talks to a Redis Cluster."""
    return isinstance(client, RedisCluster)


def close_client(client: Any) -> None:
    """Close ``client`` and the connections of its pool(s) (a Cluster client's node clients do
    not close their pools themselves)."""
    pools = []
    if is_cluster(client):
        for node in client.get_nodes():
            if node.redis_connection is not None:
                pools.append(node.redis_connection.connection_pool)
    else:
        pools.append(client.connection_pool)
    client.close()
    for pool in pools:
        pool.disconnect()


def is_auth_error(err: BaseException) -> bool:
    """Whether ``err`` is Redis refusing credentials (WRONGPASS, NOAUTH, ...)."""
    if isinstance(err, redis.AuthenticationError):
        return True
    text = str(err)
    if isinstance(err, RedisClusterException):  # the cluster client wraps the node's error
        return "AuthenticationError" in text or "WRONGPASS" in text or "NOAUTH" in text
    return isinstance(err, redis.ResponseError) and (
        text.startswith("WRONGPASS") or text.startswith("NOAUTH") or "invalid password" in text
    )


def translate_error(settings: RedisSettings, err: BaseException) -> Exception:
    """The plugin's error for a failed connection attempt."""
    if is_auth_error(err):
        return RedisAuthenticationError(settings.safe_url, err)
    return RedisUnavailableError(settings.safe_url, err)


def connect(settings: RedisSettings) -> Any:
    """A client (see :func:`make_client`) whose connection was checked with a PING.

    Raises:
        RedisAuthenticationError: wrong or missing credentials
        RedisUnavailableError: the server cannot be reached
    """
    try:
        client = make_client(settings)
    except (redis.RedisError, OSError) as err:
        raise translate_error(settings, err) from err
    check_connection(settings, client)
    return client


def check_connection(settings: RedisSettings, client: Any) -> None:
    """PING through ``client`` (which authenticates first).

    Raises:
        RedisAuthenticationError: wrong or missing credentials
        RedisUnavailableError: the server cannot be reached
    """
    try:
        client.ping()
    except (redis.RedisError, OSError) as err:
        raise translate_error(settings, err) from err


class Backoff:
    """Exponential backoff with jitter, capped; :meth:`wait` is interruptible by ``stop``."""

    def __init__(self, cap: float, base: float = 0.02):
        self.cap = cap
        self.base = base
        self.attempt = 0

    def reset(self) -> None:
        """Back to the shortest pause (after a success)."""
        self.attempt = 0

    def next_delay(self) -> float:
        """The pause before the next attempt."""
        delay = min(self.cap, self.base * (2**self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        return delay * (0.5 + random.random() / 2)

    def wait(self, stop: threading.Event) -> bool:
        """Pause; returns True if ``stop`` was set meanwhile."""
        return stop.wait(self.next_delay())
