"""Report a :class:`~caikit.runtime.errors.CaikitRuntimeException` as a gRPC status."""
from __future__ import annotations

from typing import Any, NoReturn

import grpc

from ..errors import CaikitRuntimeException, StatusCode, to_runtime_exception

__all__ = ["ERROR_ID_METADATA_KEY", "GRPC_CODES", "abort_with", "to_grpc_error"]

#: Trailing metadata key carrying the error id (the id is also in the server's log)
ERROR_ID_METADATA_KEY = "caikit-error-id"

GRPC_CODES = {code: grpc.StatusCode[code.name] for code in StatusCode}


def abort_with(context: Any, err: CaikitRuntimeException) -> NoReturn:
    """End the call with ``err``'s code and message (and its id in trailing metadata)."""
    try:
        context.set_trailing_metadata(((ERROR_ID_METADATA_KEY, err.id),))
    except Exception:  # noqa: BLE001 - metadata is best effort
        pass
    context.abort(GRPC_CODES[err.code], err.message)
    raise AssertionError("grpc's context.abort returned")  # pragma: no cover - abort raises


def to_grpc_error(err: BaseException, context: Any, what: str) -> CaikitRuntimeException:
    """Map ``err``; a cancelled call whose deadline passed is DEADLINE_EXCEEDED."""
    from ..cancellation import WorkCancelled

    if isinstance(err, WorkCancelled):
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            return CaikitRuntimeException(StatusCode.DEADLINE_EXCEEDED, "Deadline exceeded")
        return CaikitRuntimeException(StatusCode.CANCELLED, "The request was cancelled")
    return to_runtime_exception(err, what)
