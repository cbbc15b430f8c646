"""Service descriptors built from :class:`~.specs.ServiceSpec`, added to protobuf's default pool.

Messages live in the files the data model created for them; each service gets a file of its
own holding only the ``service`` block and importing the files of its request and response
types, so reflection can serve every file and clients can build stubs from it.
"""
from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool

from .specs import ServiceSpec

__all__ = ["add_service_file", "service_file_descriptor_proto", "service_file_name"]


def service_file_name(spec: ServiceSpec) -> str:
    """The name of the file holding ``spec``'s service (``caikit/runtime/Main/mainservice.proto``)."""
    package_path = spec.package.replace(".", "/")
    return f"{package_path}/{spec.name.lower()}.proto" if package_path else f"{spec.name.lower()}.proto"


def service_file_descriptor_proto(spec: ServiceSpec, pool: Any = None) -> descriptor_pb2.FileDescriptorProto:
    """The ``FileDescriptorProto`` of ``spec``'s service.

    Args:
        spec: the service
        pool: where the request / response types are found (the default pool if None)

    Raises:
        KeyError: a request or response type is not in the pool
    """
    pool = pool or descriptor_pool.Default()
    fdp = descriptor_pb2.FileDescriptorProto(
        name=service_file_name(spec), package=spec.package, syntax="proto3"
    )
    service = fdp.service.add(name=spec.name)
    deps: list = []
    for rpc in spec.rpcs:
        for full_name in (rpc.request_full_name, rpc.response_full_name):
            dep = pool.FindFileContainingSymbol(full_name).name
            if dep not in deps:
                deps.append(dep)
        method = service.method.add(
            name=rpc.name, input_type=f".{rpc.request_full_name}", output_type=f".{rpc.response_full_name}"
        )
        # descriptor.proto fields have presence: only set the flags that are on (as protoc does)
        if rpc.client_streaming:
            method.client_streaming = True
        if rpc.server_streaming:
            method.server_streaming = True
    fdp.dependency.extend(deps)
    return fdp


def add_service_file(spec: ServiceSpec) -> Any:
    """Add ``spec``'s service to the default pool (once) and return its ServiceDescriptor.

    Raises:
        ValueError: a different service of the same name is already in the pool
    """
    pool = descriptor_pool.Default()
    fdp = service_file_descriptor_proto(spec, pool)
    try:
        existing = pool.FindFileByName(fdp.name)
    except KeyError:
        existing = None
    if existing is not None:
        if _methods(existing.services_by_name.get(spec.name)) != _methods_of_proto(fdp.service[0]):
            raise ValueError(
                f"Service {spec.full_name!r} was already generated with different methods; "
                "one process serves one service definition"
            )
        return existing.services_by_name[spec.name]
    return pool.Add(fdp).services_by_name[spec.name]




def _methods(service: Any) -> list:
    if service is None:
        return []
    return [
        (m.name, m.input_type.full_name, m.output_type.full_name, bool(m.client_streaming), bool(m.server_streaming))
        for m in service.methods
    ]


def _methods_of_proto(service: descriptor_pb2.ServiceDescriptorProto) -> list:
    return [
        (m.name, m.input_type.lstrip("."), m.output_type.lstrip("."), m.client_streaming, m.server_streaming)
        for m in service.method
    ]
