"""Transport-neutral descriptions of the services the runtime serves.

A :class:`ServiceSpec` is a proto package, a service name and its :class:`RPCSpec` list. The
gRPC server turns each spec into a service descriptor and handlers; ``dump_services`` renders
it as a ``.proto`` file; the HTTP server derives its routes from the same RPCs. Request and
response types are dataobject classes (``full_name`` + ``get_proto_class()``), or for the few
services that have no dataobjects (``mmesh``), plain protobuf message classes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = ["RPCSpec", "ServiceSpec", "message_full_name", "proto_class_of"]


def message_full_name(message_type: Any) -> str:
    """The full proto name of a dataobject class or a protobuf message class."""
    full_name = getattr(message_type, "full_name", None)
    if isinstance(full_name, str):
        return full_name
    return message_type.DESCRIPTOR.full_name


def proto_class_of(message_type: Any) -> Any:
    """The protobuf message class of a dataobject class (or the class itself if protobuf)."""
    get_proto_class = getattr(message_type, "get_proto_class", None)
    if get_proto_class is not None and not hasattr(message_type, "DESCRIPTOR"):
        return get_proto_class()
    return message_type


class RPCSpec:
    """One method of a service.

    Attributes:
        name: the method name (``GreetingTaskPredict``)
        request: request message type
        response: response message type
        client_streaming: the client sends a stream
        server_streaming: the server answers with a stream
    """

    # a plain class: dataclass creation costs a millisecond of boot time each

    def __init__(self, name: str, request: Any, response: Any, client_streaming: bool = False, server_streaming: bool = False):
        self.name = name
        self.request = request
        self.response = response
        self.client_streaming = client_streaming
        self.server_streaming = server_streaming

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    @property
    def request_full_name(self) -> str:
        """Full proto name of the request message."""
        return message_full_name(self.request)

    @property
    def response_full_name(self) -> str:
        """Full proto name of the response message."""
        return message_full_name(self.response)


class ServiceSpec:
    """A service: package, name, methods and the messages generated for it.

    Attributes:
        package: proto package (``caikit.runtime.Main``)
        name: service name (``MainService``)
        rpcs: the methods, in descriptor order
        messages: message types generated into ``package`` for this service, by short name
            (request and parameter dataobjects); what ``ServicePackage.messages`` exposes
            besides the RPCs' own request and response types
    """

    def __init__(self, package: str, name: str, rpcs: Optional[List[RPCSpec]] = None, messages: Optional[Dict[str, Any]] = None):
        self.package = package
        self.name = name
        self.rpcs: List[RPCSpec] = list(rpcs or [])
        self.messages: Dict[str, Any] = dict(messages or {})

    def __repr__(self) -> str:
        return f"ServiceSpec({self.full_name!r}, {len(self.rpcs)} rpcs)"

    @property
    def full_name(self) -> str:
        """``<package>.<name>``."""
        return f"{self.package}.{self.name}" if self.package else self.name

    def rpc(self, name: str) -> Optional[RPCSpec]:
        """The method called ``name``, if any."""
        for rpc in self.rpcs:
            if rpc.name == name:
                return rpc
        return None

    def method_path(self, rpc_name: str) -> str:
        """The gRPC path ``/<package>.<Service>/<Method>``."""
        return f"/{self.full_name}/{rpc_name}"
