"""Hand-built protobuf descriptors for the "practical limit" programs.

The messages are the wire twins of the benchmark data objects and of the greeter
service, declared here with ``descriptor_pb2`` (no generated code, no caikit), so the
bare servers and the raw-protobuf figures run in the neutral tools environment.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def _field(
    msg, name: str, number: int, ftype: int, label: int = F.LABEL_OPTIONAL, type_name: str = ""
):
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name


def _build() -> dict:
    pool = descriptor_pool.DescriptorPool()
    bench = descriptor_pb2.FileDescriptorProto(
        name="bench_limit.proto", package="bench.data_model", syntax="proto3"
    )
    kind = bench.enum_type.add(name="Kind")
    for i, n in enumerate(("UNKNOWN", "FOO", "BAR")):
        kind.value.add(name=n, number=i)
    item = bench.message_type.add(name="Item")
    _field(item, "name", 1, F.TYPE_STRING)
    _field(item, "count", 2, F.TYPE_INT64)
    _field(item, "score", 3, F.TYPE_DOUBLE)
    _field(item, "blob", 4, F.TYPE_BYTES)
    _field(item, "kind", 5, F.TYPE_ENUM, type_name=".bench.data_model.Kind")
    batch = bench.message_type.add(name="Batch")
    _field(batch, "id", 1, F.TYPE_STRING)
    _field(batch, "items", 2, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".bench.data_model.Item")
    pool.Add(bench)
    greet = descriptor_pb2.FileDescriptorProto(
        name="greeter_limit.proto", package="caikit.runtime.GreeterLib", syntax="proto3"
    )
    req = greet.message_type.add(name="GreetingTaskRequest")
    _field(req, "name", 1, F.TYPE_STRING)
    resp = greet.message_type.add(name="Greeting")
    _field(resp, "greeting", 1, F.TYPE_STRING)
    pool.Add(greet)
    get = lambda full: message_factory.GetMessageClass(pool.FindMessageTypeByName(full))  # noqa: E731
    return {
        "Item": get("bench.data_model.Item"),
        "Batch": get("bench.data_model.Batch"),
        "GreetingTaskRequest": get("caikit.runtime.GreeterLib.GreetingTaskRequest"),
        "Greeting": get("caikit.runtime.GreeterLib.Greeting"),
    }


MESSAGES = _build()
