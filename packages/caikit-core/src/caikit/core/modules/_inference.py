"""Find and check the inference methods a module class implements for each of its tasks."""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Tuple

from ..signature_parsing import CaikitMethodSignature
from ..task import TaskBase, TaskSignatureError

__all__ = ["collect_inference_signatures"]


def collect_inference_signatures(
    module_class: Any, tasks: List[Any]
) -> Dict[Any, List[Tuple[bool, bool, CaikitMethodSignature]]]:
    """For each task, the flavours ``module_class`` implements, each checked against the task.

    Methods bound with ``Task.taskmethod(...)`` are used as bound; a task with no bound method
    uses ``run`` as its unary flavour.

    Raises:
        TaskSignatureError (a TypeError): a method does not fit its flavour, two methods bind
            the same flavour, or a task has no implementation at all
        ValueError: a ``context_arg`` that is not a parameter of its method
    """
    from .base import ModuleBase

    found: Dict[Any, List[Tuple[bool, bool, CaikitMethodSignature]]] = {}
    for task in tasks:
        entries: List[Tuple[bool, bool, CaikitMethodSignature]] = []
        bound = task.get_inference_method_decorators(module_class)
        if bound:
            seen: Dict[Tuple[bool, bool], str] = {}
            for ptr in bound:
                flavour = (ptr.input_streaming, ptr.output_streaming)
                if flavour in seen:
                    raise TaskSignatureError(
                        f"{module_class.__qualname__} binds both {seen[flavour]!r} and "
                        f"{ptr.method_name!r} to the same flavour of task {task.__qualname__} "
                        f"(input_streaming={flavour[0]}, output_streaming={flavour[1]})",
                        module_class, ptr.method_name, task,
                    )
                seen[flavour] = ptr.method_name
                signature = CaikitMethodSignature(module_class, ptr.method_name, ptr.context_arg)
                task.validate_run_signature(signature, *flavour)
                entries.append((flavour[0], flavour[1], signature))
        else:
            if inspect.getattr_static(module_class, "run", None) is ModuleBase.__dict__["run"]:
                raise TaskSignatureError(
                    f"{module_class.__qualname__} declares task {task.__qualname__} but implements "
                    f"no inference method for it: define run() or bind methods with "
                    f"@{task.__qualname__}.taskmethod(...)",
                    module_class, "run", task,
                )
            if not task.has_flavour(False, False):
                raise TaskSignatureError(
                    f"{module_class.__qualname__}.run cannot implement task {task.__qualname__}: "
                    f"the task has no unary flavour; bind methods with "
                    f"@{task.__qualname__}.taskmethod(input_streaming=..., output_streaming=...)",
                    module_class, "run", task,
                )
            signature = CaikitMethodSignature(module_class, "run")
            task.validate_run_signature(signature, False, False)
            entries.append((False, False, signature))
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        found[task] = entries
    return found


def check_tasks(tasks: Any) -> None:
    """Raise TypeError unless every element is a ``@task``-decorated TaskBase subclass."""
    for task in tasks:
        if not (isinstance(task, type) and issubclass(task, TaskBase) and getattr(task, "_TASK_DECORATED", False)):
            raise TypeError(f"@module tasks must be @task-decorated TaskBase subclasses, got {task!r}")
