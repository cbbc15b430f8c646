"""The ``config`` section shared by the REDIS message queue and group store.

Every option is optional; the defaults suit a single Redis next to the application::

    {"type": "REDIS", "config": {"url": "redis://:secret@redis:6379/0", "namespace": "myapp"}}

``url`` (default ``redis://127.0.0.1:6379/0``)
    ``redis://``, ``rediss://`` (TLS) or ``unix://``; user name and password may be in the URL.
``password``, ``username``
    Override the URL's credentials (handy when the password comes from a secret).
``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``, ``ssl_cert_reqs``
    TLS settings for ``rediss://`` (``ssl_cert_reqs``: ``required`` | ``optional`` | ``none``).
``cluster`` (default ``false``)
    ``url`` names a node of a Redis Cluster (the client discovers the others).
``namespace`` (default ``caikit``)
    Prefix of every key, so several applications can share one Redis.
``maxlen`` (default ``100000``)
    Streams are trimmed to about this many entries (``XADD MAXLEN ~``).
``block_ms`` (default ``1000``)
    How long one blocking read waits for messages.
``count`` (default ``1000``)
    The most entries one read returns.
``consumers`` (default ``1``)
    Readers per subscription in each process: each is a member of the consumer group with its
    own thread and connection, so a handler that waits (on the group store, on a model server)
    runs that many times at once. With more than one, a subscription's messages are no longer
    handled one at a time in stream order.
``ttl_s`` (default ``86400``)
    Group store: idle time after which a key the grouping gave no TTL is dropped, and how long
    a tombstone lives.
``pool_size`` (default ``16``)
    Connections shared by publishing and group-store calls (each consumer has its own).
``publish_buffer`` (default ``10000``) and ``publish_timeout`` (default: wait forever)
    Messages waiting to be written; ``publish`` blocks while the buffer is full (e.g. while
    Redis is unreachable) and raises ``MessageQueueFullError`` after ``publish_timeout`` s.
``socket_timeout`` (default ``5``) and ``connect_timeout`` (default ``5``)
    Seconds; a blocking read always uses ``block_ms`` plus this socket timeout.
``max_backoff_s`` (default ``0.5``)
    The longest pause between reconnection attempts.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional
from urllib.parse import urlsplit, urlunsplit

from .errors import RedisConfigError

__all__ = ["DEFAULT_URL", "RedisSettings", "redact"]

DEFAULT_URL = "redis://127.0.0.1:6379/0"
_SCHEMES = ("redis", "rediss", "unix")
_CERT_REQS = ("required", "optional", "none")


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


@dataclasses.dataclass(frozen=True)
class RedisSettings:
    """Validated options (see the module docstring)."""

    url: str = DEFAULT_URL
    password: Optional[str] = None
    username: Optional[str] = None
    ssl: Dict[str, Any] = dataclasses.field(default_factory=dict)
    cluster: bool = False
    namespace: str = "caikit"
    maxlen: int = 100_000
    block_ms: int = 1000
    count: int = 1000
    consumers: int = 1
    ttl_s: float = 86_400.0
    pool_size: int = 16
    publish_buffer: int = 10_000
    publish_timeout: Optional[float] = None
    socket_timeout: float = 5.0
    connect_timeout: float = 5.0
    max_backoff_s: float = 0.5

    @property
    def safe_url(self) -> str:
        """The URL without its password."""
        return redact(self.url)

    @classmethod
    def from_config(cls, config: Any) -> RedisSettings:
        """Read and validate the factory's ``config`` section (a mapping; None = defaults).

        Raises:
            RedisConfigError: an option has the wrong type or value
        """
        get = (lambda key: None) if config is None else config.get
        defaults = cls()
        url = _string(get, "url", defaults.url)
        scheme = urlsplit(url).scheme
        if scheme not in _SCHEMES:
            raise RedisConfigError("url", redact(url), "a redis://, rediss:// or unix:// URL")
        namespace = _string(get, "namespace", defaults.namespace)
        if not namespace or any(c in namespace for c in "{}*?[] "):
            raise RedisConfigError(
                "namespace", namespace, "a non-empty string without braces, spaces or glob characters"
            )
        ssl: Dict[str, Any] = {}
        for key in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
            value = get(key)
            if value is not None:
                ssl[key] = _string(get, key, "")
        cert_reqs = get("ssl_cert_reqs")
        if cert_reqs is not None:
            if cert_reqs not in _CERT_REQS:
                raise RedisConfigError("ssl_cert_reqs", cert_reqs, f"one of {_CERT_REQS!r}")
            ssl["ssl_cert_reqs"] = cert_reqs
        cluster = get("cluster")
        if cluster is not None and not isinstance(cluster, bool):
            raise RedisConfigError("cluster", cluster, "true or false")
        password = get("password")
        username = get("username")
        return cls(
            url=url,
            password=None if password is None else _string(get, "password", ""),
            username=None if username is None else _string(get, "username", ""),
            ssl=ssl,
            cluster=bool(cluster),
            namespace=namespace,
            maxlen=_int(get, "maxlen", defaults.maxlen, minimum=1),
            block_ms=_int(get, "block_ms", defaults.block_ms, minimum=1),
            count=_int(get, "count", defaults.count, minimum=1),
            consumers=_int(get, "consumers", defaults.consumers, minimum=1),
            ttl_s=_number(get, "ttl_s", defaults.ttl_s),
            pool_size=_int(get, "pool_size", defaults.pool_size, minimum=1),
            publish_buffer=_int(get, "publish_buffer", defaults.publish_buffer, minimum=1),
            publish_timeout=_optional_number(get, "publish_timeout"),
            socket_timeout=_number(get, "socket_timeout", defaults.socket_timeout),
            connect_timeout=_number(get, "connect_timeout", defaults.connect_timeout),
            max_backoff_s=_number(get, "max_backoff_s", defaults.max_backoff_s),
        )


def _string(get: Any, key: str, default: str) -> str:
    value = get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise RedisConfigError(key, value, "a string")
    return value


def _int(get: Any, key: str, default: int, minimum: int) -> int:
    value = get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RedisConfigError(key, value, "an int")
    if value < minimum:
        raise RedisConfigError(key, value, f"an int >= {minimum}")
    return value


def _number(get: Any, key: str, default: float) -> float:
    value = _optional_number(get, key)
    return default if value is None else value


def _optional_number(get: Any, key: str) -> Optional[float]:
    value = get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RedisConfigError(key, value, "a number of seconds")
    if value <= 0:
        raise RedisConfigError(key, value, "a number of seconds > 0")
    return float(value)
