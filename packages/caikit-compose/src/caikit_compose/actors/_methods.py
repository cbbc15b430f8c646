"""Inspecting a module's inference methods: what an actor subscribes to and publishes.

For each inference method the actor serves, :func:`actor_method` works out

* the **input topics**: the full names of the parameters' data object types when every required
  parameter is a data object (one topic: ``INDIVIDUAL``; several: ``KEY_GROUPING`` on
  ``header.data_id``); otherwise one *request* data object holding all required parameters,
  named ``<Task><Unary|Stream><Unary|Stream>`` (reused when it already exists), on an
  ``INDIVIDUAL`` topic;
* the **output**: a data object published on its full name; a primitive output (or streamed
  item) is wrapped in ``<request name>Output(value=...)``.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import typing
from typing import Any, Dict, List, Optional, Tuple

from caikit.core.data_model import DataBase, DataStream, make_dataobject
from caikit.core.signature_parsing import CaikitMethodSignature

__all__ = ["ActorMethod", "actor_method", "default_method_names"]

_NONE = type(None)
_STREAM_ORIGINS = (
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
    DataStream,
)


@dataclasses.dataclass
class ActorMethod:
    """How one inference method of a model is served by a :class:`ModelActor`.

    The first six fields are those of caikit-compose 0.1.0's ``ActorMethod``.

    Attributes:
        task_name: the task's class name (the module's class name for a method without task)
        input_streaming: the method takes streams
        output_streaming: the method returns a stream (each item is published)
        signature: the method's :class:`CaikitMethodSignature`
        task_parameters: required parameter name -> type
        output_type: the output type (the item type of a streamed output)
        method_name: the method's name
        input_topics: the topics (content types) subscribed to
        grouping_type: ``INDIVIDUAL`` or ``KEY_GROUPING``
        request_type: the request data object wrapping the parameters (None when the
            parameters are data objects subscribed to directly)
        output_wrapper: the data object wrapping primitive outputs (None for data objects)
    """

    task_name: str
    input_streaming: bool
    output_streaming: bool
    signature: CaikitMethodSignature
    task_parameters: Dict[str, Any]
    output_type: Any
    method_name: str = ""
    input_topics: List[str] = dataclasses.field(default_factory=list)
    grouping_type: str = "INDIVIDUAL"
    request_type: Optional[type] = None
    output_wrapper: Optional[type] = None

    @property
    def output_topic(self) -> Optional[str]:
        """The topic outputs are published on (None when only known at run time)."""
        if self.output_wrapper is not None:
            return _full_name(self.output_wrapper)
        if _is_data(self.output_type):
            return _full_name(self.output_type)
        return None

    @property
    def optional_parameters(self) -> List[str]:
        """Parameters with defaults, filled from message metadata of the same name."""
        return list(self.signature.default_parameters)


def _full_name(tp: Any) -> str:
    return str(tp.full_name)


def _is_data(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, DataBase)


def _strip(tp: Any, where: str) -> Any:
    """Remove ``Annotated`` and ``Optional``; a real ``Union`` is an error."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    origin = typing.get_origin(tp)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        args = [a for a in typing.get_args(tp) if a is not _NONE]
        if len(args) != 1:
            raise ValueError(f"{where}: cannot serve a Union type {tp!r}; use one type")
        return _strip(args[0], where)
    return tp


def _stream_item(tp: Any, where: str) -> Any:
    """``T`` of ``Iterable[T]`` / ``Iterator[T]`` / ``DataStream[T]`` (else None)."""
    tp = _strip(tp, where)
    origin = typing.get_origin(tp)
    if origin is not None and (
        origin in _STREAM_ORIGINS or (isinstance(origin, type) and issubclass(origin, DataStream))
    ):
        args = typing.get_args(tp)
        return _strip(args[0], where) if args else Any
    return None


def _flavours(model_class: type):
    """``(task, input_streaming, output_streaming, signature)`` of every implemented flavour,
    through the module's public introspection (``tasks``, ``get_inference_signatures``)."""
    get_signatures = getattr(model_class, "get_inference_signatures", None)
    if get_signatures is None:
        return
    for task in getattr(model_class, "tasks", None) or ():
        for input_streaming, output_streaming, signature in get_signatures(task):
            yield task, input_streaming, output_streaming, signature


def default_method_names(model_class: type) -> List[Tuple[Optional[type], str]]:
    """The methods a ModelActor serves by default: ``(task, method name)`` of every task
    flavour that takes unary inputs (streamed inputs do not fit single messages), or
    ``run`` for a module without tasks."""
    chosen: List[Tuple[Optional[type], str]] = [
        (task, signature.method_name)
        for task, input_streaming, _, signature in _flavours(model_class)
        if not input_streaming
    ]
    return chosen or [(None, "run")]


def _task_flavour(model_class: type, method_name: str):
    for flavour in _flavours(model_class):
        if flavour[3].method_name == method_name:
            return flavour
    return None


def actor_method(
    model_class: type, method_name: str, request_type: Optional[type] = None
) -> ActorMethod:
    """Describe how ``model_class.method_name`` is served.

    Args:
        model_class: the module class
        method_name: the inference method
        request_type: a data object whose fields of the same names carry the parameters
            (instead of the per-type topics or the generated request object)

    Raises:
        ValueError: the class has no such method, or a type cannot be served
        TypeError: a parameter type cannot be carried in a request data object
    """
    where = f"{model_class.__name__}.{method_name}"
    flavour = _task_flavour(model_class, method_name)
    if flavour is not None:
        task, input_streaming, output_streaming, signature = flavour
        task_name = task.__name__
        parameters = task.get_required_parameters(input_streaming)
        output_type = task.get_output_type(output_streaming)
        request_base = task_name
    else:
        if not callable(getattr(model_class, method_name, None)):
            raise ValueError(f"Invalid actor method {method_name!r}: {model_class.__name__} has no such method")
        signature = CaikitMethodSignature(model_class, method_name)
        task_name = model_class.__name__
        parameters = {
            name: signature.parameters.get(name, Any) for name in signature.required_parameters
        }
        output_type = signature.return_type
        input_streaming = any(_stream_item(tp, where) is not None for tp in parameters.values())
        output_streaming = output_type is not None and _stream_item(output_type, where) is not None
        request_base = f"{model_class.__name__}{method_name.title().replace('_', '')}"

    if output_streaming:
        item = _stream_item(output_type, where)
        output_type = item if item is not None else _strip(output_type, where)
    elif output_type is not None:
        output_type = _strip(output_type, where)

    flavour_name = (
        f"{'Stream' if input_streaming else 'Unary'}{'Stream' if output_streaming else 'Unary'}"
    )
    request_name = f"{request_base}{flavour_name}"
    param_types = {name: _strip(tp, where) for name, tp in parameters.items()}
    served = ActorMethod(
        task_name=task_name,
        input_streaming=input_streaming,
        output_streaming=output_streaming,
        signature=signature,
        task_parameters=dict(parameters),
        output_type=output_type,
        method_name=method_name,
    )
    data_types = list(param_types.values())
    if request_type is not None:
        if not _is_data(request_type):
            raise TypeError(f"{where}: request_type must be a data object class, got {request_type!r}")
        missing = set(param_types) - set(getattr(request_type, "fields", ()))
        if missing:
            raise ValueError(
                f"{where}: request_type {_full_name(request_type)!r} lacks the parameters "
                f"{sorted(missing)!r}"
            )
        served.request_type = request_type
        served.input_topics = [_full_name(request_type)]
        served.grouping_type = "INDIVIDUAL"
    elif (
        not input_streaming
        and data_types
        and all(_is_data(tp) for tp in data_types)
        and len({_full_name(tp) for tp in data_types}) == len(data_types)
    ):
        served.input_topics = [_full_name(tp) for tp in data_types]
        served.grouping_type = "INDIVIDUAL" if len(data_types) == 1 else "KEY_GROUPING"
    else:
        served.request_type = _request_type(request_name, param_types, where)
        served.input_topics = [_full_name(served.request_type)]
        served.grouping_type = "INDIVIDUAL"
    if output_type is not None and output_type is not Any and not _is_data(output_type):
        served.output_wrapper = _output_wrapper(f"{request_name}Output", output_type, where)
    return served


def _existing(name: str) -> Optional[type]:
    full_name = f"caikit_data_model.{name}"
    try:
        cls = DataBase.get_class_for_name(full_name)
    except LookupError:
        return None
    return cls if getattr(cls, "full_name", None) == full_name else None


def _request_type(name: str, param_types: Dict[str, Any], where: str) -> type:
    """The request data object holding the parameters (streams become lists)."""
    existing = _existing(name)
    if existing is not None:
        missing = set(param_types) - set(getattr(existing, "fields", ()))
        if missing:
            raise ValueError(
                f"{where}: the existing data object {_full_name(existing)!r} lacks the "
                f"parameters {sorted(missing)!r}"
            )
        return existing
    annotations = {}
    for param, tp in param_types.items():
        item = _stream_item(tp, where)
        annotations[param] = List[item] if item is not None else tp  # type: ignore[valid-type]
    try:
        return make_dataobject(name, annotations)
    except TypeError as err:
        raise TypeError(f"{where}: cannot build the request data object {name!r}: {err}") from err


def _output_wrapper(name: str, output_type: Any, where: str) -> type:
    existing = _existing(name)
    if existing is not None:
        return existing
    try:
        return make_dataobject(name, {"value": output_type})
    except TypeError as err:
        raise TypeError(f"{where}: cannot wrap the output type {output_type!r}: {err}") from err
