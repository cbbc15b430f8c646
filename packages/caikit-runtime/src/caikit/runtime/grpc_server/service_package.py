"""``ServicePackage``: what a client needs to call one generated service.

Built from a :class:`~caikit.runtime.service_generation.specs.ServiceSpec` after its service
descriptor was added to the default pool:

* ``service`` -- the full service name; ``descriptor`` -- its ``ServiceDescriptor``
* ``stub_class`` -- a stub like ``protoc``'s: ``stub_class(channel).GreetingTaskPredict(req)``
* ``messages`` -- the protobuf classes of the service's messages by short name
  (``messages.GreetingTaskRequest``)
* ``caikit_rpcs`` -- the RPC specs by name
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict

from ..service_generation.messages import generated_messages
from ..service_generation.proto_files import add_service_file
from ..service_generation.specs import ServiceSpec, proto_class_of

__all__ = ["ServicePackage", "make_service_package", "make_stub_class"]


def _serialize(message: Any) -> bytes:
    # Accept dataobjects as well as protobuf messages.
    serialize = getattr(message, "SerializeToString", None)
    if serialize is not None:
        return serialize()
    return message.to_binary_buffer()


def make_stub_class(spec: ServiceSpec) -> type:
    """A client stub class for ``spec``: one callable attribute per RPC."""
    methods = []
    for rpc in spec.rpcs:
        if rpc.client_streaming:
            kind = "stream_stream" if rpc.server_streaming else "stream_unary"
        else:
            kind = "unary_stream" if rpc.server_streaming else "unary_unary"
        methods.append((rpc.name, spec.method_path(rpc.name), kind, proto_class_of(rpc.response).FromString))

    def __init__(self: Any, channel: Any) -> None:
        for name, path, kind, deserialize in methods:
            factory = getattr(channel, kind)
            setattr(self, name, factory(path, request_serializer=_serialize, response_deserializer=deserialize))

    return type(
        f"{spec.name}Stub",
        (object,),
        {"__init__": __init__, "__doc__": f"Client stub of {spec.full_name}.", "__module__": __name__},
    )


class ServicePackage:
    """A generated service as a client sees it."""

    def __init__(self, service: str, descriptor: Any, stub_class: type, messages: SimpleNamespace, caikit_rpcs: Dict[str, Any], spec: ServiceSpec):
        self.service = service
        self.descriptor = descriptor
        self.stub_class = stub_class
        self.messages = messages
        self.caikit_rpcs = caikit_rpcs
        self.spec = spec

    def __repr__(self) -> str:
        return f"ServicePackage({self.service!r})"

    @property
    def name(self) -> str:
        """The short service name."""
        return self.spec.name


def make_service_package(spec: ServiceSpec) -> ServicePackage:
    """Register ``spec``'s descriptor and build its :class:`ServicePackage`."""
    descriptor = add_service_file(spec)
    messages: Dict[str, Any] = {}
    for rpc in spec.rpcs:
        for message_type in (rpc.request, rpc.response):
            proto_class = proto_class_of(message_type)
            messages.setdefault(proto_class.DESCRIPTOR.name, proto_class)
    for name, message_type in spec.messages.items():
        messages[name] = proto_class_of(message_type)
    # everything generated into the service's package (e.g. DataStreamSource<T> messages)
    for message_type in generated_messages(spec.package):
        messages.setdefault(message_type.__name__, proto_class_of(message_type))
    return ServicePackage(
        service=spec.full_name,
        descriptor=descriptor,
        stub_class=make_stub_class(spec),
        messages=SimpleNamespace(**messages),
        caikit_rpcs={rpc.name: rpc for rpc in spec.rpcs},
        spec=spec,
    )
