"""gRPC handlers of the inference RPCs (all four flavours).

Everything that can be decided at boot is: each handler closes over its RPC, the model
manager's ``retrieve_model``, the compiled request reader of each module class and the
metrics' bound methods. Per request it reads ``mm-model-id``, looks the model up, reads the
request fields, calls the model and serializes the result; requests and responses travel as
bytes through the generated classes' ``FromString`` / ``SerializeToString``.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator, List, Optional

import grpc

from ..cancellation import CancellableWork, WorkCancelled
from ..errors import CaikitRuntimeException, StatusCode
from ..names import Flavour
from ..service_generation.inference import MethodBinding, TaskRPC
from ._errors import (
    Undecodable,
    abort_with,
    decoded_stream,
    to_grpc_error,
    tolerant,
    undecodable_error,
)

__all__ = ["MODEL_ID_KEY", "make_inference_handler"]

#: Invocation metadata naming the model (ModelMesh's key)
MODEL_ID_KEY = "mm-model-id"

_perf = time.perf_counter


def _model_id(context: Any) -> str:
    for key, value in context.invocation_metadata():
        if key == MODEL_ID_KEY:
            return value
    return ""


def _missing_model_id() -> CaikitRuntimeException:
    return CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, "Missing required model ID")


def _unsupported(model: Any) -> CaikitRuntimeException:
    return CaikitRuntimeException(
        StatusCode.INVALID_ARGUMENT, f"Inference for model class {type(model)} not supported by this runtime"
    )


class _Resolver:
    """model id -> (model, binding) for one RPC."""

    __slots__ = ("binding_for", "retrieve")

    def __init__(self, rpc: TaskRPC, retrieve: Callable[[str], Any]):
        self.retrieve = retrieve
        self.binding_for = rpc.binding_for

    def __call__(self, model_id: str) -> Any:
        if not model_id:
            raise _missing_model_id()
        model = self.retrieve(model_id)
        binding = self.binding_for(model.__class__)
        if binding is None:
            raise _unsupported(model)
        return model, binding


class _ReplayStream:
    """Request messages pulled lazily from the call, kept so the model may iterate twice."""

    def __init__(self, first: Any, rest: Iterator[Any]):
        self._items: List[Any] = [] if first is None else [first]
        self._rest = rest
        self._done = False
        self._lock = threading.Lock()

    def __call__(self) -> Iterator[Any]:
        index = 0
        while True:
            with self._lock:
                if index < len(self._items):
                    item = self._items[index]
                elif self._done:
                    return
                else:
                    item = next(self._rest, _END)
                    if item is _END:
                        self._done = True
                        return
                    self._items.append(item)
            index += 1
            yield item


_END: Any = object()


def _stream_kwargs(binding: MethodBinding, request_iterator: Iterator[Any], empty: Any) -> dict:
    """kwargs for an input-streaming call: plain fields from the first message, streamed
    fields as DataStreams over all messages."""
    from caikit.core.data_model import DataStream

    first = next(request_iterator, None)
    kwargs = binding.kwargs_from_proto(first if first is not None else empty)
    replay = _ReplayStream(first, request_iterator)
    element = binding.element_from_proto
    streamed = binding.streamed
    if len(streamed) == 1:
        kwargs[streamed[0]] = DataStream(lambda: (element(m) for m in replay()))
    else:
        for name in streamed:
            kwargs[name] = DataStream(lambda name=name: (element(m)[name] for m in replay()))
    return kwargs


def make_inference_handler(rpc: TaskRPC, model_manager: Any, metrics: Any, abortable: bool) -> grpc.RpcMethodHandler:
    """The ``RpcMethodHandler`` of ``rpc``.

    Args:
        rpc: the inference RPC
        model_manager: the runtime's :class:`~caikit.runtime.model_management.ModelManager`
        metrics: a :class:`~caikit.runtime.metrics.RuntimeMetrics`
        abortable: cancel the model's work when the call ends early
    """
    resolve = _Resolver(rpc, model_manager.retrieve_model)
    # unknown ids never become metric labels (clients choose them)
    holds = model_manager.holds
    name = rpc.name
    observe = metrics.observe
    started = metrics.started
    # undecodable bytes are INVALID_ARGUMENT (grpcio itself would answer INTERNAL)
    deserialize = tolerant(rpc.request.get_proto_class().FromString)
    empty_request = rpc.request.get_proto_class()()

    def fail(err: BaseException, context: Any, model_id: str, began: float) -> None:
        mapped = to_grpc_error(err, context, name)
        observe(name, mapped.code.name, model_id, _perf() - began)
        abort_with(context, mapped)

    if rpc.flavour is Flavour.UNARY:

        def unary(request: Any, context: Any) -> bytes:
            started()
            began = _perf()
            model_id = _model_id(context)
            try:
                if request.__class__ is Undecodable:
                    raise undecodable_error()
                model, binding = resolve(model_id)
                kwargs = binding.kwargs_from_proto(request)
                if binding.context_arg:
                    kwargs[binding.context_arg] = context
                method = getattr(model, binding.method_name)
                if abortable:
                    work = CancellableWork()
                    context.add_callback(work.cancel)
                    work.begin()
                    try:
                        result = method(**kwargs)
                    finally:
                        work.end()
                else:
                    result = method(**kwargs)
                data = result.to_binary_buffer()
            except (Exception, WorkCancelled) as err:
                fail(err, context, model_id if holds(model_id) else "", began)
            observe(name, "OK", model_id, _perf() - began)
            return data

        return grpc.unary_unary_rpc_method_handler(unary, request_deserializer=deserialize)

    if rpc.flavour is Flavour.SERVER_STREAMING:

        def server_streaming(request: Any, context: Any) -> Iterator[bytes]:
            started()
            began = _perf()
            model_id = _model_id(context)
            work = CancellableWork() if abortable else None
            try:
                if request.__class__ is Undecodable:
                    raise undecodable_error()
                model, binding = resolve(model_id)
                kwargs = binding.kwargs_from_proto(request)
                if binding.context_arg:
                    kwargs[binding.context_arg] = context
                if work is not None:
                    context.add_callback(work.cancel)
                yield from _produce(getattr(model, binding.method_name), kwargs, work)
            except (Exception, WorkCancelled) as err:
                fail(err, context, model_id if holds(model_id) else "", began)
            observe(name, "OK", model_id, _perf() - began)

        return grpc.unary_stream_rpc_method_handler(server_streaming, request_deserializer=deserialize)

    if rpc.flavour is Flavour.CLIENT_STREAMING:

        def client_streaming(request_iterator: Iterator[Any], context: Any) -> bytes:
            started()
            began = _perf()
            model_id = _model_id(context)
            try:
                model, binding = resolve(model_id)
                kwargs = _stream_kwargs(binding, decoded_stream(request_iterator), empty_request)
                if binding.context_arg:
                    kwargs[binding.context_arg] = context
                method = getattr(model, binding.method_name)
                work = CancellableWork() if abortable else None
                if work is not None:
                    context.add_callback(work.cancel)
                    work.begin()
                try:
                    result = method(**kwargs)
                finally:
                    if work is not None:
                        work.end()
                data = result.to_binary_buffer()
            except (Exception, WorkCancelled) as err:
                fail(err, context, model_id if holds(model_id) else "", began)
            observe(name, "OK", model_id, _perf() - began)
            return data

        return grpc.stream_unary_rpc_method_handler(client_streaming, request_deserializer=deserialize)

    def bidi_streaming(request_iterator: Iterator[Any], context: Any) -> Iterator[bytes]:
        started()
        began = _perf()
        model_id = _model_id(context)
        work = CancellableWork() if abortable else None
        try:
            context.send_initial_metadata((("acknowledgement", "ok"),))
            model, binding = resolve(model_id)
            kwargs = _stream_kwargs(binding, decoded_stream(request_iterator), empty_request)
            if binding.context_arg:
                kwargs[binding.context_arg] = context
            if work is not None:
                context.add_callback(work.cancel)
            yield from _produce(getattr(model, binding.method_name), kwargs, work)
        except (Exception, WorkCancelled) as err:
            fail(err, context, model_id if holds(model_id) else "", began)
        observe(name, "OK", model_id, _perf() - began)

    return grpc.stream_stream_rpc_method_handler(bidi_streaming, request_deserializer=deserialize)


def _produce(method: Callable, kwargs: dict, work: Optional[CancellableWork]) -> Iterator[bytes]:
    """Call a streaming method and serialize what it yields; only the model's own code runs
    inside the cancellable region."""
    if work is None:
        for item in method(**kwargs):
            yield item.to_binary_buffer()
        return
    work.begin()
    try:
        iterator = iter(method(**kwargs))
    finally:
        work.end()
    while True:
        work.begin()
        try:
            item = next(iterator, _END)
        finally:
            work.end()
        if item is _END:
            return
        yield item.to_binary_buffer()
