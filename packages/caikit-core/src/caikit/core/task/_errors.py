"""Errors raised when a task is defined or implemented wrongly."""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["TaskDefinitionError", "TaskSignatureError"]


class TaskDefinitionError(ValueError):
    """``@task`` was given an unusable definition (no inputs, no outputs, bad types)."""

    def __init__(self, task_class: type, reason: str):
        super().__init__(f"Invalid task {task_class.__qualname__!r}: {reason}")
        self.task_class = task_class
        self.reason = reason


class TaskSignatureError(TypeError):
    """An inference method does not fit the signature its task requires.

    Attributes:
        module_class: the module being decorated
        method_name: the offending method
        task_class: the task it implements
        parameter: the offending parameter (None when the return type is wrong)
        expected: the type the task requires
        got: the type the method declares (None when the parameter is missing)
    """

    def __init__(
        self,
        message: str,
        module_class: type,
        method_name: str,
        task_class: type,
        parameter: Optional[str] = None,
        expected: Any = None,
        got: Any = None,
    ):
        super().__init__(message)
        self.module_class = module_class
        self.method_name = method_name
        self.task_class = task_class
        self.parameter = parameter
        self.expected = expected
        self.got = got
