"""Any exception maps to the status the contract gives it (§2.3, §3.5)."""
import logging

import pytest
from caikit.core.exceptions import CaikitCoreException, CaikitCoreStatusCode
from caikit.runtime.errors import CaikitRuntimeException, StatusCode, to_runtime_exception


@pytest.mark.parametrize(
    "error, code, message",
    [
        (TypeError("bad type"), StatusCode.INVALID_ARGUMENT, "bad type"),
        (ValueError("bad value"), StatusCode.INVALID_ARGUMENT, "bad value"),
        (CaikitCoreException(CaikitCoreStatusCode.NOT_FOUND, "gone"), StatusCode.NOT_FOUND, "gone"),
        (CaikitCoreException(CaikitCoreStatusCode.UNAUTHORIZED, "who"), StatusCode.UNAUTHENTICATED, "who"),
        (CaikitCoreException(CaikitCoreStatusCode.FORBIDDEN, "no"), StatusCode.PERMISSION_DENIED, "no"),
        (CaikitCoreException(CaikitCoreStatusCode.CONNECTION_ERROR, "down"), StatusCode.UNAVAILABLE, "down"),
        (CaikitCoreException(CaikitCoreStatusCode.FATAL, "fatal"), StatusCode.INTERNAL, "fatal"),
        (CaikitRuntimeException(StatusCode.ALREADY_EXISTS, "dup"), StatusCode.ALREADY_EXISTS, "dup"),
    ],
)
def test_mapping(error, code, message):
    mapped = to_runtime_exception(error)
    assert mapped.code is code
    assert mapped.message == message
    assert len(mapped.id) == 32


def test_core_exception_keeps_its_id():
    error = CaikitCoreException(CaikitCoreStatusCode.INVALID_ARGUMENT, "x")
    assert to_runtime_exception(error).id == error.id


def test_anything_else_is_internal_and_logged_with_its_id(caplog):
    with caplog.at_level(logging.ERROR, logger="caikit.runtime.errors"):
        mapped = to_runtime_exception(RuntimeError("boom"), "SomeRPC")
    assert mapped.code is StatusCode.INTERNAL
    assert mapped.message == "boom"
    assert mapped.id in caplog.text and "SomeRPC" in caplog.text


def test_grpc_like_errors_keep_their_code():
    class Downstream(Exception):
        def code(self):
            import grpc

            return grpc.StatusCode.RESOURCE_EXHAUSTED

        def details(self):
            return "slow down"

    mapped = to_runtime_exception(Downstream())
    assert (mapped.code, mapped.message) == (StatusCode.RESOURCE_EXHAUSTED, "slow down")


@pytest.mark.parametrize(
    "code, http",
    [
        (StatusCode.INVALID_ARGUMENT, 400), (StatusCode.NOT_FOUND, 404), (StatusCode.ALREADY_EXISTS, 409),
        (StatusCode.RESOURCE_EXHAUSTED, 429), (StatusCode.CANCELLED, 499), (StatusCode.UNIMPLEMENTED, 501),
        (StatusCode.UNAVAILABLE, 501), (StatusCode.DEADLINE_EXCEEDED, 504), (StatusCode.INTERNAL, 500),
        (StatusCode.UNAUTHENTICATED, 401), (StatusCode.PERMISSION_DENIED, 403),
    ],
)
def test_http_status(code, http):
    assert code.http_status == http


def test_exception_is_a_builtin_and_pickles():
    import pickle

    error = CaikitRuntimeException(StatusCode.NOT_FOUND, "nope", {"a": 1})
    assert isinstance(error, RuntimeError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.id, copy.metadata) == (error.code, error.message, error.id, {"a": 1})
    assert "NOT_FOUND" in repr(error) and "'nope'" in repr(error)
