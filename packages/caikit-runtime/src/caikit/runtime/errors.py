"""Transport-neutral errors of the runtime and how any exception maps onto them.

Every server (gRPC, HTTP) turns what goes wrong into a :class:`CaikitRuntimeException`
carrying a :class:`StatusCode`, a message and a unique ``id`` that is also logged, then renders
it in its own way: gRPC aborts the call with ``code.grpc_name``; HTTP answers
``{"details": message, "code": code.http_status, "id": id}`` with ``code.http_status``.

API (used by both servers):

* :class:`StatusCode` -- the gRPC status names, with ``http_status`` (contract §3.5).
* :class:`CaikitRuntimeException` -- ``code``, ``message``, ``id``, ``metadata``.
* :func:`to_runtime_exception(err)` -- the mapping of contract §2.3: a
  ``CaikitRuntimeException`` passes through; ``CaikitCoreException`` maps its status;
  ``TypeError`` / ``ValueError`` become INVALID_ARGUMENT with ``str(err)``; an object with a
  grpc-like ``code()`` (a downstream ``grpc.RpcError``) keeps its code; anything else is
  INTERNAL (logged with its traceback under the error id).
"""
from __future__ import annotations

import enum
import logging
import uuid
from typing import Any, Mapping, Optional

__all__ = ["CaikitRuntimeException", "StatusCode", "to_runtime_exception"]

log = logging.getLogger("caikit.runtime.errors")


class StatusCode(enum.Enum):
    """gRPC's status codes (same names and numbers), each with its HTTP status."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16

    @property
    def http_status(self) -> int:
        """The HTTP status the reference runtime answers for this code."""
        return _HTTP_STATUS.get(self, 500)


_HTTP_STATUS = {
    StatusCode.OK: 200,
    StatusCode.INVALID_ARGUMENT: 400,
    StatusCode.FAILED_PRECONDITION: 400,
    StatusCode.OUT_OF_RANGE: 400,
    StatusCode.UNAUTHENTICATED: 401,
    StatusCode.PERMISSION_DENIED: 403,
    StatusCode.NOT_FOUND: 404,
    StatusCode.ALREADY_EXISTS: 409,
    StatusCode.ABORTED: 409,
    StatusCode.RESOURCE_EXHAUSTED: 429,
    StatusCode.CANCELLED: 499,
    StatusCode.UNKNOWN: 500,
    StatusCode.DATA_LOSS: 500,
    StatusCode.INTERNAL: 500,
    StatusCode.UNIMPLEMENTED: 501,
    StatusCode.UNAVAILABLE: 501,
    StatusCode.DEADLINE_EXCEEDED: 504,
}


class CaikitRuntimeException(RuntimeError):
    """A failure to report to the client: a status code, a message and an id for the logs.

    Args:
        code: what went wrong
        message: the text the client sees
        metadata: extra key/values for the logs
        id: the error id (a fresh 32-hex uuid by default)
    """

    def __init__(
        self,
        code: StatusCode,
        message: str,
        metadata: Optional[Mapping[str, Any]] = None,
        id: Optional[str] = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.metadata = dict(metadata or {})
        self.id = id or uuid.uuid4().hex

    @property
    def status_code(self) -> StatusCode:
        """Alias of ``code`` (the reference's attribute name)."""
        return self.code

    def __repr__(self) -> str:
        return f"CaikitRuntimeException({self.code.name}, {self.message!r}, id={self.id!r})"

    def __reduce__(self):
        return (type(self), (self.code, self.message, self.metadata, self.id))


def _core_code(core_status: Any) -> StatusCode:
    name = getattr(core_status, "name", str(core_status))
    return {
        "INVALID_ARGUMENT": StatusCode.INVALID_ARGUMENT,
        "UNAUTHORIZED": StatusCode.UNAUTHENTICATED,
        "FORBIDDEN": StatusCode.PERMISSION_DENIED,
        "NOT_FOUND": StatusCode.NOT_FOUND,
        "CONNECTION_ERROR": StatusCode.UNAVAILABLE,
        "UNKNOWN": StatusCode.UNKNOWN,
        "FATAL": StatusCode.INTERNAL,
    }.get(name, StatusCode.INTERNAL)


def _grpc_like_code(err: BaseException) -> Optional[StatusCode]:
    code_fn = getattr(err, "code", None)
    if not callable(code_fn):
        return None
    try:
        code = code_fn()
    except Exception:
        return None
    name = getattr(code, "name", None)
    return StatusCode.__members__.get(name) if isinstance(name, str) else None


def to_runtime_exception(err: BaseException, context: str = "") -> CaikitRuntimeException:
    """Map any exception to the :class:`CaikitRuntimeException` the client should see.

    Args:
        err: what was raised
        context: a short description of the operation, for the log line of INTERNAL errors

    Returns:
        the exception to report (``err`` itself when it already is one)
    """
    if isinstance(err, CaikitRuntimeException):
        return err
    # Imported lazily: caikit.core.exceptions is cheap, but keep this module import-free.
    from caikit.core.exceptions import CaikitCoreException

    if isinstance(err, CaikitCoreException):
        return CaikitRuntimeException(_core_code(err.status_code), err.message, err.metadata, err.id)
    if isinstance(err, (TypeError, ValueError)):
        return CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, str(err))
    code = _grpc_like_code(err)
    if code is not None:
        details = getattr(err, "details", None)
        message = details() if callable(details) else str(err)
        return CaikitRuntimeException(code, message or "")
    wrapped = CaikitRuntimeException(StatusCode.INTERNAL, str(err))
    log.error(
        "Unhandled exception%s (error id %s): %r",
        f" in {context}" if context else "",
        wrapped.id,
        err,
        exc_info=err,
    )
    return wrapped
