"""Message classes of a ``.proto`` file whose descriptor the runtime builds in code
(``mmesh.ModelRuntime``, ``processproto.Process``): no generated ``_pb2`` modules needed."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

from google.protobuf import descriptor_pool, message_factory

__all__ = ["message_classes"]


def message_classes(file_name: str, build: Callable[[], Any]) -> SimpleNamespace:
    """The message classes of ``file_name`` by name, its ``FileDescriptorProto`` (``build()``)
    added to protobuf's default pool the first time."""
    pool = descriptor_pool.Default()
    try:
        file_desc = pool.FindFileByName(file_name)
    except KeyError:
        file_desc = pool.Add(build())
    return SimpleNamespace(
        **{name: message_factory.GetMessageClass(desc) for name, desc in file_desc.message_types_by_name.items()}
    )
