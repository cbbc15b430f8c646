"""Call one inference RPC of a remote caikit runtime with Python arguments.

The remote's request message is read from its server reflection (so the field layout is
exactly the remote's, whatever modules it serves); responses are parsed straight into the local
output dataobject (the wire format is shared). gRPC errors of the remote propagate as
``grpc.RpcError`` and keep their code through the runtime's error mapping.
"""
from __future__ import annotations

import datetime
import enum
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from .. import names
from ..names import Flavour

__all__ = ["RemoteMethod", "remote_method"]

_POOLS: Dict[Tuple, Any] = {}
_LOCK = threading.Lock()


def _pool(connection: Any) -> Any:
    from google.protobuf import descriptor_pool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    key = connection.key()
    with _LOCK:
        entry = _POOLS.get(key)
        if entry is None:
            database = ProtoReflectionDescriptorDatabase(connection.channel())
            entry = (database, descriptor_pool.DescriptorPool(database))
            _POOLS[key] = entry
        return entry


def _find_method(connection: Any, rpc_name: str) -> Any:
    database, pool = _pool(connection)
    for service_name in database.get_services():
        if not service_name.startswith("caikit.runtime.") or service_name.endswith(("JobService", "TrainingService")):
            continue
        service = pool.FindServiceByName(service_name)
        method = service.methods_by_name.get(rpc_name)
        if method is not None:
            return service_name, method
    raise LookupError(f"The runtime at {connection.target} serves no {rpc_name!r} RPC")


def _to_bytes(value: Any) -> bytes:
    to_binary = getattr(value, "to_binary_buffer", None)
    if to_binary is not None:
        return to_binary()
    return value.SerializeToString()


def _set_field(message: Any, field: Any, value: Any) -> None:
    name = field.name
    repeated = field.is_repeated
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        target = getattr(message, name)
        value_field = field.message_type.fields_by_name["value"]
        for key, item in dict(value).items():
            if value_field.message_type is not None:
                target[key].ParseFromString(_to_bytes(item))
            else:
                target[key] = item.value if isinstance(item, enum.Enum) else item
        return
    if field.message_type is not None:
        items = list(value) if repeated else [value]
        for item in items:
            sub = getattr(message, name).add() if repeated else getattr(message, name)
            full_name = field.message_type.full_name
            if full_name == "google.protobuf.Timestamp" and isinstance(item, datetime.datetime):
                sub.FromDatetime(item)
            elif full_name == "google.protobuf.Struct" and isinstance(item, dict):
                sub.update(item)
            else:
                sub.ParseFromString(_to_bytes(item))
        return
    if repeated:
        getattr(message, name).extend(v.value if isinstance(v, enum.Enum) else v for v in value)
        return
    setattr(message, name, value.value if isinstance(value, enum.Enum) else value)


class RemoteMethod:
    """One inference flavour of a task on a remote runtime, callable with keyword arguments.

    Args:
        connection: a :class:`~.connection.RemoteConnection`
        model_key / model_name: metadata naming the remote model
        task: the task class
        flavour: the :class:`~caikit.runtime.names.Flavour`
        output_type: the local dataobject to parse responses into
        streamed: names of the parameters fed by the input stream (input streaming only)
    """

    def __init__(self, connection: Any, model_key: str, model_name: str, task: type, flavour: Flavour, output_type: Any, streamed: List[str]):
        self.connection = connection
        self.metadata = ((model_key, model_name),)
        self.rpc_name = names.task_predict_rpc_name(task.__name__, flavour)
        self.flavour = flavour
        self.output_type = output_type
        self.streamed = streamed
        self._call: Optional[Any] = None
        self._request_class: Optional[Any] = None
        self._lock = threading.Lock()

    def _resolve(self) -> Tuple[Any, Any]:
        with self._lock:
            if self._call is None:
                from google.protobuf import message_factory

                service_name, method = _find_method(self.connection, self.rpc_name)
                self._request_class = message_factory.GetMessageClass(method.input_type)
                kind = {
                    Flavour.UNARY: "unary_unary",
                    Flavour.SERVER_STREAMING: "unary_stream",
                    Flavour.CLIENT_STREAMING: "stream_unary",
                    Flavour.BIDI_STREAMING: "stream_stream",
                }[self.flavour]
                self._call = getattr(self.connection.channel(), kind)(
                    f"/{service_name}/{self.rpc_name}",
                    request_serializer=lambda m: m.SerializeToString(),
                    response_deserializer=self.output_type.from_binary_buffer,
                )
            return self._call, self._request_class

    def _message(self, request_class: Any, kwargs: Dict[str, Any]) -> Any:
        message = request_class()
        fields = request_class.DESCRIPTOR.fields_by_name
        for name, value in kwargs.items():
            if value is None:
                continue
            field = fields.get(name)
            if field is None:
                raise TypeError(f"The remote {self.rpc_name} takes no parameter {name!r}")
            _set_field(message, field, value)
        return message

    def _request_stream(self, request_class: Any, kwargs: Dict[str, Any]) -> Iterator[Any]:
        plain = {k: v for k, v in kwargs.items() if k not in self.streamed}
        streams = [iter(kwargs.get(name) or ()) for name in self.streamed]
        first = True
        while True:
            values = {}
            exhausted = True
            for name, stream in zip(self.streamed, streams):
                item = next(stream, _END)
                if item is not _END:
                    values[name] = item
                    exhausted = False
            if exhausted and not first:
                return
            yield self._message(request_class, {**plain, **values} if first else values)
            first = False
            if exhausted:
                return

    def __call__(self, **kwargs: Any) -> Any:
        """Call the remote model; returns the output (or an iterator of outputs)."""
        call, request_class = self._resolve()
        timeout = self.connection.timeout
        if self.flavour.input_streaming:
            request: Any = self._request_stream(request_class, kwargs)
        else:
            request = self._message(request_class, kwargs)
        if self.flavour.output_streaming:
            return _stream(call(request, metadata=self.metadata, timeout=timeout))
        return call(request, metadata=self.metadata, timeout=timeout)


_END: Any = object()


def _stream(responses: Iterable[Any]) -> Any:
    from caikit.core.data_model import DataStream

    items = iter(responses)
    return DataStream(lambda: items)


def remote_method(*args: Any, **kwargs: Any) -> RemoteMethod:
    """Build a :class:`RemoteMethod` (see its arguments)."""
    return RemoteMethod(*args, **kwargs)
