"""Report a :class:`~caikit.runtime.errors.CaikitRuntimeException` as a gRPC status."""
from __future__ import annotations

from typing import Any, Callable, Iterator, NoReturn

import grpc

from ..errors import CaikitRuntimeException, StatusCode, to_runtime_exception

__all__ = [
    "ERROR_ID_METADATA_KEY",
    "GRPC_CODES",
    "RequestDecodeError",
    "Undecodable",
    "abort_with",
    "decoded_stream",
    "to_grpc_error",
    "tolerant",
    "unary_handler",
    "undecodable_error",
]

#: Trailing metadata key carrying the error id (the id is also in the server's log)
ERROR_ID_METADATA_KEY = "caikit-error-id"

GRPC_CODES = {code: grpc.StatusCode[code.name] for code in StatusCode}

#: The details of a request whose bytes are not a valid message (the reference's wording)
UNDECODABLE_DETAILS = "Exception deserializing request!"


class Undecodable:
    """What a :func:`tolerant` deserializer returns for bytes that are not a valid message.

    grpcio answers INTERNAL when a request deserializer raises; bytes a client sent are the
    client's fault, so the handler answers INVALID_ARGUMENT instead.
    """

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


class RequestDecodeError(ValueError):
    """An undecodable message inside a request stream (a ValueError: INVALID_ARGUMENT)."""


def tolerant(from_string: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """A request deserializer that returns :class:`Undecodable` instead of raising."""

    def deserialize(data: bytes) -> Any:
        try:
            return from_string(data)
        except Exception as err:
            return Undecodable(err)

    return deserialize


def undecodable_error() -> CaikitRuntimeException:
    """INVALID_ARGUMENT for a request that is not a valid message."""
    return CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, UNDECODABLE_DETAILS)


def decoded_stream(request_iterator: Iterator[Any]) -> Iterator[Any]:
    """The messages of a request stream; an undecodable one raises :class:`RequestDecodeError`."""
    for message in request_iterator:
        if message.__class__ is Undecodable:
            raise RequestDecodeError(UNDECODABLE_DETAILS)
        yield message


def abort_with(context: Any, err: CaikitRuntimeException) -> NoReturn:
    """End the call with ``err``'s code and message (and its id in trailing metadata)."""
    try:
        context.set_trailing_metadata(((ERROR_ID_METADATA_KEY, err.id),))
    except Exception:
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


def unary_handler(behaviour: Callable[[Any, Any], Any], request_class: Any, what: str) -> grpc.RpcMethodHandler:
    """A unary handler calling ``behaviour(request, context)`` for its response message:
    undecodable bytes and whatever it raises end the call as the contract's status
    (``what`` names the RPC in the mapping of unexpected errors)."""

    def handle(request: Any, context: Any) -> bytes:
        try:
            if request.__class__ is Undecodable:
                raise undecodable_error()
            return behaviour(request, context).SerializeToString()
        except Exception as err:
            abort_with(context, to_runtime_exception(err, what))

    return grpc.unary_unary_rpc_method_handler(handle, request_deserializer=tolerant(request_class.FromString))
