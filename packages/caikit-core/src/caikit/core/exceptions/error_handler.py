"""Standard checks that log one line with a log code, then raise a builtin exception.

Usage::

    log = alog.use_channel("DEMO")
    error = error_handler.get(log)
    error.type_check("<DMO00255362E>", str, data=data)
    error.value_check("<DMO62491029E>", param > 0, "Invalid param value (%d). Must be > 0", param)

Each failure is logged at error level as ``{"log_code": ..., "message": "exception raised: ..."}``
on the caller's channel, so log aggregation finds every failure by its code.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Iterable, NoReturn, Optional

__all__ = ["ErrorHandler", "get"]

_handlers: dict[str, ErrorHandler] = {}
_lock = threading.Lock()


def get(log_chan: logging.Logger) -> ErrorHandler:
    """The error handler bound to ``log_chan`` (one per channel name)."""
    with _lock:
        handler = _handlers.get(log_chan.name)
        if handler is None:
            handler = _handlers[log_chan.name] = ErrorHandler(log_chan)
        return handler


def _type_names(types: Iterable[type]) -> tuple:
    return tuple(t.__name__ for t in types)


def _qualified(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class ErrorHandler:
    """Checks bound to one log channel. Every check is silent when it passes."""

    def __init__(self, log_chan: logging.Logger):
        self.log = log_chan

    # -- raising ---------------------------------------------------------------------------

    def log_raise(
        self, log_code: str, exception: BaseException, root_exception: Optional[BaseException] = None
    ) -> NoReturn:
        """Log ``exception`` under ``log_code`` and raise it (chained to ``root_exception``)."""
        self.log.error({"log_code": log_code, "message": f"exception raised: {exception!r}"})
        if root_exception is not None:
            raise exception from root_exception
        raise exception

    # -- checks ----------------------------------------------------------------------------

    def type_check(self, log_code: str, *types: type, allow_none: bool = False, **variables: Any) -> None:
        """Every keyword argument must be an instance of one of ``types``.

        Raises:
            TypeError: ``type check failed: variable `x` has type `int` (fully qualified name
                `builtins.int`) not in `('str',)```
        """
        self._check_types(log_code, types, variables)
        for name, value in variables.items():
            if value is None and allow_none:
                continue
            if not isinstance(value, types):
                self.log_raise(
                    log_code,
                    TypeError(
                        f"type check failed: variable `{name}` has type `{type(value).__name__}` "
                        f"(fully qualified name `{_qualified(value)}`) not in `{_type_names(types)}`"
                    ),
                )

    def type_check_all(self, log_code: str, *types: type, allow_none: bool = False, **variables: Any) -> None:
        """Every keyword argument must be a list, tuple or set whose elements are of ``types``.

        Raises:
            TypeError: the argument is not a collection, or one element has the wrong type
        """
        self._check_types(log_code, types, variables)
        for name, values in variables.items():
            if values is None and allow_none:
                continue
            if not isinstance(values, (list, tuple, set, frozenset)):
                self.log_raise(
                    log_code,
                    TypeError(
                        f"type check failed: variable `{name}` has type `{type(values).__name__}` "
                        f"(fully qualified name `{_qualified(values)}`) not in "
                        f"`('list', 'tuple', 'set')`"
                    ),
                )
            for index, value in enumerate(values):
                if not isinstance(value, types):
                    self.log_raise(
                        log_code,
                        TypeError(
                            f"type check failed: element {index} of variable `{name}` has type "
                            f"`{type(value).__name__}` (fully qualified name `{_qualified(value)}`) "
                            f"not in `{_type_names(types)}`"
                        ),
                    )

    def subclass_check(
        self, log_code: str, child_class: Any, *parent_classes: type, allow_none: bool = False
    ) -> None:
        """``child_class`` must be a class deriving from one of ``parent_classes``.

        Raises:
            TypeError: it is not a class, or not a subclass
        """
        if child_class is None and allow_none:
            return
        if not isinstance(child_class, type) or not issubclass(child_class, parent_classes):
            self.log_raise(
                log_code,
                TypeError(
                    f"subclass check failed: {child_class!r} is not a subclass of "
                    f"{_type_names(parent_classes)}"
                ),
            )

    def value_check(self, log_code: str, condition: Any, msg: str = "", *msg_args: Any) -> None:
        """``condition`` must be truthy.

        The message is raised verbatim: ``msg_args`` are accepted for compatibility with
        caikit's signature but, as in caikit, not interpolated, so callers matching on the
        documented text keep working.

        Raises:
            ValueError: ``value check failed: <msg>``
        """
        if not condition:
            self.log_raise(log_code, ValueError(f"value check failed: {msg}"))

    def file_check(self, log_code: str, *file_paths: str) -> None:
        """Each path must be an existing file.

        Raises:
            FileNotFoundError: a path does not exist
            IsADirectoryError: a path is a directory
        """
        for path in file_paths:
            self.type_check(log_code, str, os.PathLike, file_path=path)
            if not os.path.exists(path):
                self.log_raise(log_code, FileNotFoundError(f"file check failed: {path!r} does not exist"))
            if os.path.isdir(path):
                self.log_raise(log_code, IsADirectoryError(f"file check failed: {path!r} is a directory"))

    def dir_check(self, log_code: str, *dir_paths: str) -> None:
        """Each path must be an existing directory.

        Raises:
            FileNotFoundError: a path does not exist
            NotADirectoryError: a path is not a directory
        """
        for path in dir_paths:
            self.type_check(log_code, str, os.PathLike, dir_path=path)
            if not os.path.exists(path):
                self.log_raise(log_code, FileNotFoundError(f"dir check failed: {path!r} does not exist"))
            if not os.path.isdir(path):
                self.log_raise(log_code, NotADirectoryError(f"dir check failed: {path!r} is not a directory"))

    def _check_types(self, log_code: str, types: tuple, variables: dict) -> None:
        if not types or not all(isinstance(t, type) for t in types):
            self.log_raise(log_code, TypeError(f"type check needs one or more types, got {types!r}"))
        if not variables:
            self.log_raise(log_code, ValueError("type check needs at least one keyword variable"))
