"""The ``@task`` decorator."""
from __future__ import annotations

import inspect
import typing
from typing import Any, Callable, Dict, Optional, Type

from ..registries import register_task
from ..signature_parsing import is_iterable_annotation, type_name
from ._base import TaskBase
from ._errors import TaskDefinitionError

__all__ = ["task"]

_LEGACY = {"required_parameters", "output_type"}


def task(
    unary_parameters: Optional[Dict[str, Any]] = None,
    unary_output_type: Optional[Any] = None,
    streaming_parameters: Optional[Dict[str, Any]] = None,
    streaming_output_type: Optional[Any] = None,
    visible: bool = True,
    metadata: Optional[Dict[str, Any]] = None,
    **legacy: Any,
) -> Callable[[Type[TaskBase]], Type[TaskBase]]:
    """Declare a task: the inputs and outputs every implementation must accept and return.

    Example::

        @task(
            unary_parameters={"text": str, "target_language": str},
            unary_output_type=Document,
            streaming_parameters={"chunks": Iterable[TranslationRequestChunk]},
            streaming_output_type=Iterable[str],
        )
        class LanguageTranslationTask(TaskBase):
            pass

    Args:
        unary_parameters: name -> type of the inputs of the non-streaming-input flavours
        unary_output_type: the data object returned by the non-streaming-output flavours
        streaming_parameters: name -> ``Iterable[T]`` of the inputs of the streaming-input
            flavours
        streaming_output_type: ``Iterable[T]`` returned by the streaming-output flavours
        visible: whether the runtime exposes the task
        metadata: free-form data kept on the task (:meth:`TaskBase.get_metadata`)
        **legacy: caikit's older ``required_parameters=`` (same as ``unary_parameters``) and
            ``output_type=`` (an ``Iterable[T]`` is taken as the streaming output, anything
            else as the unary output)

    Returns:
        the class decorator

    Raises:
        TypeError: an unknown keyword, or the decorated class is not a TaskBase
        TaskDefinitionError (a ValueError): no inputs or no outputs, a parameter map that is
            not ``{str: type}``, a unary output that is not a data object, or a streaming output
            that is not iterable
    """
    unknown = set(legacy) - _LEGACY
    if unknown:
        raise TypeError(f"task() got unexpected keyword arguments {sorted(unknown)!r}")

    def decorator(cls: Type[TaskBase]) -> Type[TaskBase]:
        if not (inspect.isclass(cls) and issubclass(cls, TaskBase)):
            raise TypeError(f"@task decorates subclasses of TaskBase, not {cls!r}")
        unary_params = unary_parameters
        unary_out = unary_output_type
        stream_out = streaming_output_type
        if unary_params is None and "required_parameters" in legacy:
            unary_params = legacy["required_parameters"]
        if "output_type" in legacy:
            output_type = legacy["output_type"]
            if is_iterable_annotation(output_type):
                stream_out = stream_out if stream_out is not None else output_type
            elif unary_out is None:
                unary_out = output_type

        if unary_params is None and streaming_parameters is None:
            raise TaskDefinitionError(cls, "declare unary_parameters and/or streaming_parameters")
        if unary_out is None and stream_out is None:
            raise TaskDefinitionError(cls, "declare unary_output_type and/or streaming_output_type")
        _check_params(cls, "unary_parameters", unary_params)
        _check_params(cls, "streaming_parameters", streaming_parameters)
        if unary_out is not None:
            _check_unary_output(cls, unary_out)
        if stream_out is not None and not is_iterable_annotation(stream_out):
            raise TaskDefinitionError(
                cls, f"streaming_output_type must be Iterable[T], got {type_name(stream_out)}"
            )
        if metadata is not None and not isinstance(metadata, dict):
            raise TaskDefinitionError(cls, f"metadata must be a dict, got {metadata!r}")

        cls._UNARY_PARAMETERS = dict(unary_params) if unary_params is not None else None
        cls._STREAMING_PARAMETERS = dict(streaming_parameters) if streaming_parameters is not None else None
        cls._UNARY_OUTPUT_TYPE = unary_out
        cls._STREAMING_OUTPUT_TYPE = stream_out
        cls._VISIBLE = bool(visible)
        cls._METADATA = dict(metadata or {})
        cls._TASK_DECORATED = True
        register_task(cls)
        return cls

    return decorator


def _check_params(cls: type, what: str, params: Any) -> None:
    if params is None:
        return
    if not isinstance(params, dict):
        raise TaskDefinitionError(cls, f"{what} must be a dict of name -> type, got {params!r}")
    for name, tp in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TaskDefinitionError(cls, f"{what} has an invalid parameter name {name!r}")
        if not (inspect.isclass(tp) or typing.get_origin(tp) is not None):
            raise TaskDefinitionError(cls, f"{what}[{name!r}] must be a type, got {tp!r}")


def _check_unary_output(cls: type, output: Any) -> None:
    try:
        from ..data_model import DataBase
    except ImportError:  # the data model is optional for checking
        DataBase = None
    if not inspect.isclass(output) or (DataBase is not None and not issubclass(output, DataBase)):
        raise TaskDefinitionError(
            cls, f"unary_output_type must be a data object class (@dataobject), got {type_name(output)}"
        )
