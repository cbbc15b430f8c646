"""TaskBase: the abstract signature that modules implementing a task must fit.

A task binds up to four inference *flavours* into one logical task:

=================  ===============  ==========================================
input_streaming    output_streaming  parameters / output used
=================  ===============  ==========================================
False              False             unary_parameters -> unary_output_type
False              True              unary_parameters -> streaming_output_type
True               False             streaming_parameters -> unary_output_type
True               True              streaming_parameters -> streaming_output_type
=================  ===============  ==========================================

A flavour exists when the task declares both its parameters and its output type. Modules
bind methods to flavours with :meth:`TaskBase.taskmethod`; ``run`` is the unary method of a
module's task when no method is bound explicitly.
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Dict, List, Optional, TypeVar

__all__ = ["TaskBase", "TaskMethodPtr"]

_F = TypeVar("_F", bound=Callable)

# Attribute set on functions decorated with Task.taskmethod(); a list of TaskMethodPtr.
TASKMETHODS_ATTR = "__caikit_taskmethods__"


@dataclasses.dataclass(frozen=True)
class TaskMethodPtr:
    """One binding of a method to a flavour of a task (made by :meth:`TaskBase.taskmethod`)."""

    task: type
    method_name: str
    input_streaming: bool = False
    output_streaming: bool = False
    context_arg: Optional[str] = None


class TaskBase:
    """Base class for tasks; decorate subclasses with :func:`caikit.core.task`.

    The ``@task`` decorator stores the declared signature on the class; read it with
    :meth:`get_required_parameters` and :meth:`get_output_type`.
    """

    InferenceMethodPtr = TaskMethodPtr  # caikit's name for the binding record

    # Filled in by @task (None when the task does not declare that part).
    _UNARY_PARAMETERS: Optional[Dict[str, Any]] = None
    _STREAMING_PARAMETERS: Optional[Dict[str, Any]] = None
    _UNARY_OUTPUT_TYPE: Optional[Any] = None
    _STREAMING_OUTPUT_TYPE: Optional[Any] = None
    _VISIBLE: bool = True
    _METADATA: Dict[str, Any] = {}
    _TASK_DECORATED: bool = False

    # -- declared signature -----------------------------------------------------------------

    @classmethod
    def _check_decorated(cls) -> None:
        if not getattr(cls, "_TASK_DECORATED", False):
            raise TypeError(f"{cls.__qualname__} is not a task: decorate it with @task(...)")

    @classmethod
    def get_required_parameters(cls, input_streaming: bool = False) -> Dict[str, Any]:
        """The parameters every implementation of the flavour must accept.

        Args:
            input_streaming: the streaming-input flavour's parameters instead of the unary ones

        Returns:
            name -> type, in declaration order (a copy)

        Raises:
            ValueError: the task declares no parameters for that kind of input
        """
        cls._check_decorated()
        params = cls._STREAMING_PARAMETERS if input_streaming else cls._UNARY_PARAMETERS
        if params is None:
            kind = "streaming" if input_streaming else "unary"
            raise ValueError(f"Task {cls.__qualname__!r} declares no {kind} inputs")
        return dict(params)

    @classmethod
    def get_output_type(cls, output_streaming: bool = False) -> Any:
        """The type every implementation of the flavour must return.

        Raises:
            ValueError: the task declares no output of that kind
        """
        cls._check_decorated()
        output = cls._STREAMING_OUTPUT_TYPE if output_streaming else cls._UNARY_OUTPUT_TYPE
        if output is None:
            kind = "streaming" if output_streaming else "unary"
            raise ValueError(f"Task {cls.__qualname__!r} declares no {kind} output")
        return output

    @classmethod
    def has_flavour(cls, input_streaming: bool, output_streaming: bool) -> bool:
        """Whether the task declares both the inputs and the output of the flavour."""
        cls._check_decorated()
        params = cls._STREAMING_PARAMETERS if input_streaming else cls._UNARY_PARAMETERS
        output = cls._STREAMING_OUTPUT_TYPE if output_streaming else cls._UNARY_OUTPUT_TYPE
        return params is not None and output is not None

    @classmethod
    def flavours(cls) -> List[tuple]:
        """Every ``(input_streaming, output_streaming)`` the task declares."""
        return [
            (i, o) for i in (False, True) for o in (False, True) if cls.has_flavour(i, o)
        ]

    @classmethod
    def is_output_streaming_task(cls) -> bool:
        """Whether the task declares a streaming output."""
        cls._check_decorated()
        return cls._STREAMING_OUTPUT_TYPE is not None

    @classmethod
    def is_input_streaming_task(cls) -> bool:
        """Whether the task declares streaming inputs."""
        cls._check_decorated()
        return cls._STREAMING_PARAMETERS is not None

    @classmethod
    def get_visibility(cls) -> bool:
        """Whether the runtime should expose the task (``visible=`` of ``@task``)."""
        return cls._VISIBLE

    @classmethod
    def get_metadata(cls) -> Dict[str, Any]:
        """Free-form metadata given to ``@task(metadata=...)`` (a copy)."""
        return dict(cls._METADATA)

    # -- binding implementations ------------------------------------------------------------

    @classmethod
    def taskmethod(
        cls,
        input_streaming: bool = False,
        output_streaming: bool = False,
        context_arg: Optional[str] = None,
    ) -> Callable[[_F], _F]:
        """Decorator binding a module method to one flavour of this task.

        The binding is recorded on the function and checked when ``@module`` decorates the
        class, against the signature the task declares for the flavour.

        Args:
            input_streaming: the method takes streams (``DataStream[T]``) of the inputs
            output_streaming: the method returns a stream (``DataStream[T]`` / ``Iterable[T]``)
            context_arg: name of a parameter that receives the request context (the runtime
                passes the gRPC context or HTTP request); excluded from the request message

        Returns:
            a decorator that returns the method unchanged

        Raises:
            TypeError: this class is not a ``@task``, or the decorated object is not a function
            ValueError: the task does not declare that flavour
        """
        cls._check_decorated()
        if not cls.has_flavour(input_streaming, output_streaming):
            raise ValueError(
                f"Task {cls.__qualname__!r} has no flavour with input_streaming={input_streaming!r}"
                f" and output_streaming={output_streaming!r}; it declares "
                f"{[dict(input_streaming=i, output_streaming=o) for i, o in cls.flavours()]}"
            )

        def decorator(method: _F) -> _F:
            if not inspect.isfunction(method):
                raise TypeError(
                    f"{cls.__qualname__}.taskmethod() decorates plain inference methods, "
                    f"not {method!r}"
                )
            bindings = list(getattr(method, TASKMETHODS_ATTR, ()))
            bindings.append(
                TaskMethodPtr(cls, method.__name__, bool(input_streaming), bool(output_streaming), context_arg)
            )
            setattr(method, TASKMETHODS_ATTR, bindings)
            return method

        return decorator

    @classmethod
    def get_inference_method_decorators(cls, module_class: type) -> List[TaskMethodPtr]:
        """The methods of ``module_class`` (or its bases) bound to this task with
        :meth:`taskmethod`, each with the name it has on the class."""
        found: List[TaskMethodPtr] = []
        for name in dir(module_class):
            try:
                attr = inspect.getattr_static(module_class, name)
            except AttributeError:
                continue
            for ptr in getattr(attr, TASKMETHODS_ATTR, ()) or ():
                if ptr.task is cls:
                    found.append(dataclasses.replace(ptr, method_name=name))
        return found

    @classmethod
    def has_inference_method_decorators(cls, module_class: type) -> bool:
        """Whether ``module_class`` binds any method to this task explicitly."""
        return bool(cls.get_inference_method_decorators(module_class))

    @classmethod
    def validate_run_signature(cls, signature, input_streaming: bool = False, output_streaming: bool = False) -> None:
        """Check a :class:`~caikit.core.signature_parsing.CaikitMethodSignature` against the
        flavour's declared signature.

        Raises:
            TaskSignatureError: a required parameter is missing or has an incompatible type,
                or the return type is incompatible
        """
        from ._validation import validate_signature

        validate_signature(cls, signature, input_streaming, output_streaming)

