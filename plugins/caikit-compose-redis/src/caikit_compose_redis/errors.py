"""Errors raised by caikit-compose-redis.

Each one subclasses the built-in exception a caller would naturally catch and carries the
offending values as attributes. URLs in messages never show a password.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "MalformedEntryError",
    "RedisAuthenticationError",
    "RedisConfigError",
    "RedisUnavailableError",
]


class RedisConfigError(ValueError):
    """A ``config`` option of the REDIS message queue or group store is invalid."""

    def __init__(self, option: str, value: Any, expected: str):
        self.option = option
        self.value = value
        self.expected = expected
        super().__init__(f"REDIS option {option!r} must be {expected}, got {value!r}")


class RedisUnavailableError(ConnectionError):
    """Redis could not be reached (wrong host or port, server down, TLS handshake failed)."""

    def __init__(self, url: str, cause: BaseException):
        self.url = url
        self.cause = cause
        super().__init__(
            f"Cannot reach Redis at {url!r}: {cause}. Check the 'url' option (host, port, "
            f"redis:// or rediss://) and that redis-server is running."
        )


class RedisAuthenticationError(PermissionError):
    """Redis refused the credentials (wrong or missing password or user name)."""

    def __init__(self, url: str, cause: BaseException):
        self.url = url
        self.cause = cause
        super().__init__(
            f"Redis at {url!r} refused the credentials: {cause}. Check the password "
            f"(redis://:PASSWORD@host:port/db or the 'password' option)."
        )


class MalformedEntryError(ValueError):
    """A stream entry is not a message written by this plugin (logged and skipped)."""

    def __init__(self, stream: str, entry_id: str, reason: str):
        self.stream = stream
        self.entry_id = entry_id
        self.reason = reason
        super().__init__(f"Malformed entry {entry_id!r} on stream {stream!r}: {reason}")
