"""Inference RPCs: one per (task, flavour) that some served module implements.

:func:`build_task_rpcs` reads the modules' inference signatures once, at boot, and produces
:class:`TaskRPC` specs: the RPC name, the request dataobject (the union of the implementations'
parameters), the response type, and per module class a :class:`MethodBinding` saying which
method to call with which parameters. Both servers dispatch through these:

* ``rpc.binding_for(type(model))`` -- the method of that model class (None if it does not
  implement the flavour); cached, also for subclasses and backend classes.
* ``binding.kwargs_from_proto(message)`` -- keyword arguments from a request message (compiled
  per binding: no reflection per request).
* ``binding.kwargs_from_dataobject(request)`` -- the same from a request dataobject (HTTP).
* ``binding.element_from_proto(message)`` -- for input-streaming flavours, the streamed value(s)
  of one request message.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .. import names
from ..names import Flavour
from .field_types import (
    FieldKind,
    element_type,
    field_kind,
    is_stream_type,
    split_optional,
    to_field_type,
)
from .messages import make_message
from .specs import RPCSpec

__all__ = ["MethodBinding", "RequestField", "TaskRPC", "build_task_rpcs"]

log = logging.getLogger("caikit.runtime.service_generation")


class RequestField:
    """One field of a request message.

    Attributes:
        name: field (and parameter) name
        field_type: the dataobject field type (``Optional`` removed)
        optional: proto3 ``optional`` (presence tracked)
        streamed: for input-streaming flavours, the field carries one element of a stream
    """

    __slots__ = ("field_type", "name", "optional", "streamed")

    def __init__(self, name: str, field_type: Any, optional: bool, streamed: bool = False):
        self.name = name
        self.field_type = field_type
        self.optional = optional
        self.streamed = streamed

    def __repr__(self) -> str:
        return (
            f"RequestField(name={self.name!r}, field_type={self.field_type!r}, "
            f"optional={self.optional!r}, streamed={self.streamed!r})"
        )

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, RequestField) and (self.name, self.field_type, self.optional, self.streamed) == (
            other.name, other.field_type, other.optional, other.streamed
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def kind(self) -> FieldKind:
        """How the fast path reads it."""
        return field_kind(self.field_type)


class MethodBinding:
    """How one module class implements one :class:`TaskRPC`.

    Attributes:
        module_class: the class
        method_name: the method to call on a model of that class
        params: names of the request fields the method accepts, in field order
        required: names among ``params`` that have no default
        context_arg: the parameter that receives the request context, if any
        streamed: names among ``params`` fed by the input stream
    """

    def __init__(self, rpc: TaskRPC, module_class: type, signature: Any):
        self.rpc = rpc
        self.module_class = module_class
        self.method_name: str = signature.method_name
        accepted = set(signature.parameters) | set(getattr(signature, "required_parameters", ()))
        accepted |= set(signature.default_parameters)
        accepts_all = bool(getattr(signature, "accepts_kwargs", False))
        self.params: List[str] = [f.name for f in rpc.fields if accepts_all or f.name in accepted]
        defaults = signature.default_parameters
        self.required = {n for n in self.params if n not in defaults}
        self.context_arg: Optional[str] = getattr(signature, "context_arg", None)
        self.streamed = [f.name for f in rpc.fields if f.streamed and f.name in self.params]
        self._from_proto: Optional[Callable[[Any], Dict[str, Any]]] = None
        self._element: Optional[Callable[[Any], Any]] = None

    # -- request conversion -----------------------------------------------------------------

    @property
    def kwargs_from_proto(self) -> Callable[[Any], Dict[str, Any]]:
        """``f(request_message) -> kwargs`` for the non-streamed parameters (compiled once)."""
        if self._from_proto is None:
            from .request_codegen import compile_kwargs_reader

            fields = [f for f in self.rpc.fields if f.name in self.params and not f.streamed]
            self._from_proto = compile_kwargs_reader(self.rpc.request, fields, self.required)
        return self._from_proto

    @property
    def element_from_proto(self) -> Callable[[Any], Any]:
        """For input streaming: ``f(request_message) -> value`` of the streamed parameter, or a
        dict of values when the flavour streams several parameters."""
        if self._element is None:
            from .request_codegen import compile_element_reader

            fields = [f for f in self.rpc.fields if f.name in self.streamed]
            self._element = compile_element_reader(self.rpc.request, fields)
        return self._element

    def kwargs_from_dataobject(self, request: Any, include_streamed: bool = True) -> Dict[str, Any]:
        """Keyword arguments from a request dataobject: unset (None) values are left out, as
        are empty lists for parameters that have defaults."""
        kwargs: Dict[str, Any] = {}
        for name in self.params:
            if not include_streamed and name in self.streamed:
                continue
            value = getattr(request, name, None)
            if value is None:
                continue
            if isinstance(value, list) and not value and name not in self.required:
                continue
            kwargs[name] = value
        return kwargs

    def __repr__(self) -> str:
        return f"MethodBinding({self.module_class.__name__}.{self.method_name} for {self.rpc.name})"


class TaskRPC(RPCSpec):
    """The inference RPC of one flavour of one task."""

    def __init__(self, name: str, request: Any, response: Any, task: type, flavour: Flavour, fields: List[RequestField]):
        super().__init__(
            name=name,
            request=request,
            response=response,
            client_streaming=flavour.input_streaming,
            server_streaming=flavour.output_streaming,
        )
        self.task = task
        self.flavour = flavour
        self.fields = fields
        self.route = names.task_route_name(name)
        self._bindings: Dict[type, Optional[MethodBinding]] = {}
        self._lock = threading.Lock()

    def add_binding(self, module_class: type, signature: Any) -> MethodBinding:
        """Record ``module_class``'s implementation."""
        binding = MethodBinding(self, module_class, signature)
        self._bindings[module_class] = binding
        return binding

    @property
    def module_classes(self) -> List[type]:
        """The served classes that implement this RPC."""
        return [cls for cls, b in self._bindings.items() if b is not None]

    def binding_for(self, model_class: type) -> Optional[MethodBinding]:
        """The implementation for models of ``model_class`` (None: not supported)."""
        binding = self._bindings.get(model_class, _MISSING)
        if binding is not _MISSING:
            return binding
        with self._lock:
            binding = self._bindings.get(model_class, _MISSING)
            if binding is _MISSING:
                binding = self._discover(model_class)
                self._bindings[model_class] = binding
        return binding

    def _discover(self, model_class: type) -> Optional[MethodBinding]:
        getter = getattr(model_class, "get_inference_signature", None)
        if getter is None or self.task not in getattr(model_class, "tasks", ()):
            return None
        try:
            signature = getter(self.flavour.input_streaming, self.flavour.output_streaming, self.task)
        except (ValueError, TypeError):
            return None
        return MethodBinding(self, model_class, signature) if signature is not None else None

    def __repr__(self) -> str:
        return f"TaskRPC({self.name!r})"


_MISSING: Any = object()


def _request_fields(task: type, flavour: Flavour, implementations: Sequence[Tuple[type, Any]]) -> List[RequestField]:
    task_params: Dict[str, Any] = {}
    try:
        task_params = task.get_required_parameters(flavour.input_streaming)
    except ValueError:
        pass
    fields: Dict[str, RequestField] = {}
    for module_class, signature in implementations:
        defaults = signature.default_parameters
        for name, annotation in signature.parameters.items():
            in_task = name in task_params
            declared = task_params[name] if in_task else annotation
            _, was_optional = split_optional(annotation)
            streamed = flavour.input_streaming and in_task and is_stream_type(split_optional(declared)[0])
            if flavour.input_streaming and in_task and not streamed:
                # the task declares a plain element type for a streamed input
                streamed = is_stream_type(split_optional(annotation)[0])
            field_type = to_field_type(declared, streamed=streamed)
            if field_type is None and streamed:
                field_type = to_field_type(element_type(split_optional(declared)[0]))
            if field_type is None:
                log.warning(
                    "Parameter %r of %s.%s has a type no message can carry (%r); it is left out "
                    "of %s", name, module_class.__name__, signature.method_name, annotation,
                    names.task_request_name(task.__name__, flavour),
                )
                continue
            optional = (not in_task) and (name in defaults or was_optional)
            current = fields.get(name)
            if current is None:
                fields[name] = RequestField(name, field_type, optional, streamed)
            elif current.field_type != field_type:
                raise TypeError(
                    f"Parameter {name!r} of task {task.__name__} has conflicting types across "
                    f"modules: {current.field_type!r} and {field_type!r} "
                    f"({module_class.__name__}.{signature.method_name})"
                )
            elif optional and not current.optional:
                fields[name] = RequestField(current.name, current.field_type, True, current.streamed)
    return list(fields.values())


def _output_type(task: type, flavour: Flavour, implementations: Sequence[Tuple[type, Any]]) -> Any:
    try:
        output = task.get_output_type(flavour.output_streaming)
    except ValueError:
        output = implementations[0][1].return_type
    output, _ = split_optional(output)
    if flavour.output_streaming and is_stream_type(output):
        output = element_type(output)
    return output


def build_task_rpcs(modules: Sequence[type], package: str, task_filter: Callable[[type], List[type]]) -> List[TaskRPC]:
    """The inference RPCs of ``modules``, sorted by name.

    Args:
        modules: the served module classes
        package: proto package of the generated request messages
        task_filter: ``module_class -> tasks to serve``

    Raises:
        TypeError: two modules disagree on a parameter's type, or an output type is not a
            dataobject
    """
    by_rpc: Dict[Tuple[type, Flavour], List[Tuple[type, Any]]] = {}
    for module_class in modules:
        for task in task_filter(module_class):
            for input_streaming, output_streaming, signature in module_class.get_inference_signatures(task):
                flavour = Flavour.of(input_streaming, output_streaming)
                by_rpc.setdefault((task, flavour), []).append((module_class, signature))
    rpcs: List[TaskRPC] = []
    for (task, flavour), implementations in by_rpc.items():
        fields = _request_fields(task, flavour, implementations)
        request = make_message(
            names.task_request_name(task.__name__, flavour),
            package,
            [(f.name, f.field_type, f.optional) for f in fields],
        )
        response = _output_type(task, flavour, implementations)
        if not hasattr(response, "get_proto_class"):
            raise TypeError(
                f"Task {task.__name__} must return a dataobject to be served, not {response!r}"
            )
        rpc = TaskRPC(names.task_predict_rpc_name(task.__name__, flavour), request, response, task, flavour, fields)
        for module_class, signature in implementations:
            rpc.add_binding(module_class, signature)
        rpcs.append(rpc)
    rpcs.sort(key=lambda r: r.name)
    return rpcs
