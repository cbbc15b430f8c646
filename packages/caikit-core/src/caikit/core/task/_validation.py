"""Check an inference method's signature against the flavour of the task it implements."""
from __future__ import annotations

import typing
from typing import Any

from ..signature_parsing import fits, type_name
from ._errors import TaskSignatureError

__all__ = ["validate_signature"]


def _flavour_name(input_streaming: bool, output_streaming: bool) -> str:
    return {
        (False, False): "unary",
        (False, True): "server-streaming",
        (True, False): "client-streaming",
        (True, True): "bidi-streaming",
    }[(bool(input_streaming), bool(output_streaming))]


def validate_signature(task_class: Any, signature: Any, input_streaming: bool, output_streaming: bool) -> None:
    """Raise if ``signature`` does not fit ``task_class``'s flavour.

    Every parameter the task requires must be a parameter of the method (not only swallowed by
    ``**kwargs``) whose annotation accepts the task's type; the method's return annotation, when
    present, must fit the task's output type (a ``Union``/``Optional`` return fits when one of
    its members does). Unannotated parameters and returns are accepted as they cannot be
    checked.

    Raises:
        TaskSignatureError: naming the module, method, parameter, expected and actual type
    """
    module_class = signature.module
    method = signature.method_name
    where = (
        f"{module_class.__qualname__}.{method} ({module_class.__module__}) does not fit the "
        f"{_flavour_name(input_streaming, output_streaming)} signature of task "
        f"{task_class.__qualname__}"
    )
    required = task_class.get_required_parameters(input_streaming)
    typed = signature.parameters
    present = set(typed) | set(signature.untyped_parameters)
    for name, expected in required.items():
        if name not in present:
            raise TaskSignatureError(
                f"{where}: parameter {name!r} ({type_name(expected)}) is missing; the method "
                f"takes {sorted(present) or 'no parameters'}",
                module_class, method, task_class, name, expected, None,
            )
        got = typed.get(name)
        if got is not None and not fits(expected, got):
            raise TaskSignatureError(
                f"{where}: parameter {name!r} is annotated {type_name(got)} but the task "
                f"requires {type_name(expected)}",
                module_class, method, task_class, name, expected, got,
            )
    expected_output = task_class.get_output_type(output_streaming)
    got_output = signature.return_type
    if got_output is not None and not _return_fits(got_output, expected_output):
        raise TaskSignatureError(
            f"{where}: it returns {type_name(got_output)} but the task requires "
            f"{type_name(expected_output)}",
            module_class, method, task_class, None, expected_output, got_output,
        )


def _return_fits(got: Any, expected: Any) -> bool:
    if typing.get_origin(got) is typing.Union or type(got).__name__ == "UnionType":
        members = [m for m in typing.get_args(got) if m is not type(None)]
        return any(fits(member, expected) for member in members)
    return fits(got, expected)
