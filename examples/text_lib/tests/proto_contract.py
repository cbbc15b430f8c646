"""Compile the ``.proto`` files written by ``caikit.runtime.dump_services`` into a descriptor set,
and summarise a descriptor set into plain data two implementations can be compared on.

Used by the text_lib service tests, and run as a script to (re)record the reference from
caikit 0.29.1 (whose generated interfaces for text_lib are the contract)::

    RUNTIME_LIBRARY=text_lib PYTHONPATH=examples/text_lib/src \\
        <caikit-0.29.1 venv>/bin/python -m caikit.runtime.dump_services DUMP_DIR
    python examples/text_lib/tests/proto_contract.py DUMP_DIR \\
        examples/text_lib/tests/fixtures/text_lib.caikit-0.29.1.pb

The summary holds every RPC of the library's services and every message those RPCs reach
through their fields, each field as ``[name, number, label, type, oneof]``. File names and
options are left out: they do not change what a client sends or receives.
"""
import importlib.resources
import os
import sys
import tempfile
from typing import Any, Dict

from google.protobuf import descriptor_pb2

_LABELS = {1: "optional", 2: "required", 3: "repeated"}


def compile_dump(dump_dir: str) -> descriptor_pb2.FileDescriptorSet:
    """Compile every ``.proto`` of ``dump_dir`` (with grpcio-tools) into a descriptor set.

    Raises:
        RuntimeError: protoc rejected the files.
    """
    from grpc_tools import protoc  # pylint: disable=import-outside-toplevel

    include = str(importlib.resources.files("grpc_tools") / "_proto")
    files = sorted(f for f in os.listdir(dump_dir) if f.endswith(".proto"))
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "set.pb")
        args = [
            "protoc",
            f"-I{dump_dir}",
            f"-I{include}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *files,
        ]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed on the .proto files in {dump_dir!r}")
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as handle:
            fds.ParseFromString(handle.read())
    return fds


def _scalar(type_number: int) -> str:
    """``TYPE_STRING`` -> ``string``."""
    return descriptor_pb2.FieldDescriptorProto.Type.Name(type_number)[len("TYPE_") :].lower()


def summarise(fds: descriptor_pb2.FileDescriptorSet, package: str) -> Dict[str, Any]:
    """RPCs of the services in ``package`` and every message they reach.

    Returns:
        ``{"services": {service: {rpc: [input, output, client_streaming, server_streaming]}},
        "messages": {message: [[name, number, label, type, oneof], ...]}}``
    """
    messages: Dict[str, descriptor_pb2.DescriptorProto] = {}

    def collect(prefix: str, protos) -> None:
        for proto in protos:
            name = f"{prefix}.{proto.name}" if prefix else proto.name
            messages[name] = proto
            collect(name, proto.nested_type)

    services: Dict[str, Any] = {}
    for file in fds.file:
        collect(file.package, file.message_type)
        if file.package != package:
            continue
        for service in file.service:
            services[f"{file.package}.{service.name}"] = {
                m.name: [
                    m.input_type.lstrip("."),
                    m.output_type.lstrip("."),
                    m.client_streaming,
                    m.server_streaming,
                ]
                for m in service.method
            }

    reached: Dict[str, Any] = {}
    todo = [t for rpcs in services.values() for rpc in rpcs.values() for t in rpc[:2]]
    while todo:
        name = todo.pop()
        if name in reached or name not in messages:
            continue
        proto = messages[name]
        fields = []
        for field in proto.field:
            type_name = field.type_name.lstrip(".") or _scalar(field.type)
            oneof = (
                proto.oneof_decl[field.oneof_index].name if field.HasField("oneof_index") else None
            )
            fields.append([field.name, field.number, _LABELS[field.label], type_name, oneof])
            if field.type_name:
                todo.append(type_name)
        reached[name] = fields
    return {"services": services, "messages": dict(sorted(reached.items()))}


def read_descriptor_set(path: str) -> descriptor_pb2.FileDescriptorSet:
    """Read a serialized ``FileDescriptorSet``."""
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as handle:
        fds.ParseFromString(handle.read())
    return fds


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as target:
        target.write(compile_dump(sys.argv[1]).SerializeToString(deterministic=True))
