"""Descriptors of ``mmesh.ModelRuntime``, built in code from the SPI's definition.

The messages, fields, numbers and types are those of KServe ModelMesh's
``model-runtime.proto`` (package ``mmesh``); :func:`messages` returns the message classes by
name and :data:`SERVICE_NAME` / :data:`METHODS` describe the service.
"""
from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Dict, List, Tuple

from google.protobuf import descriptor_pb2

from ..built_descriptors import message_classes

__all__ = ["FILE_NAME", "METHODS", "PACKAGE", "SERVICE_NAME", "file_descriptor_proto", "messages"]

PACKAGE = "mmesh"
SERVICE_NAME = "mmesh.ModelRuntime"
FILE_NAME = "mmesh/model-runtime.proto"

_F = descriptor_pb2.FieldDescriptorProto
_STRING, _UINT64, _UINT32, _BOOL = _F.TYPE_STRING, _F.TYPE_UINT64, _F.TYPE_UINT32, _F.TYPE_BOOL
_ENUM, _MESSAGE = _F.TYPE_ENUM, _F.TYPE_MESSAGE
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED

# (name, [(field, number, type, label, type_name)])
_MODEL_REF = [("modelId", 1, _STRING), ("modelType", 2, _STRING), ("modelPath", 3, _STRING), ("modelKey", 4, _STRING)]
_MESSAGES: List[Tuple[str, list]] = [
    ("LoadModelRequest", _MODEL_REF),
    ("LoadModelResponse", [("sizeInBytes", 1, _UINT64), ("maxConcurrency", 2, _UINT32)]),
    ("UnloadModelRequest", [("modelId", 1, _STRING)]),
    ("UnloadModelResponse", []),
    ("PredictModelSizeRequest", _MODEL_REF),
    ("PredictModelSizeResponse", [("sizeInBytes", 1, _UINT64)]),
    ("ModelSizeRequest", [("modelId", 1, _STRING)]),
    ("ModelSizeResponse", [("sizeInBytes", 1, _UINT64)]),
    ("RuntimeStatusRequest", []),
]

#: method name -> (request message, response message)
METHODS: Dict[str, Tuple[str, str]] = {
    "loadModel": ("LoadModelRequest", "LoadModelResponse"),
    "unloadModel": ("UnloadModelRequest", "UnloadModelResponse"),
    "predictModelSize": ("PredictModelSizeRequest", "PredictModelSizeResponse"),
    "modelSize": ("ModelSizeRequest", "ModelSizeResponse"),
    "runtimeStatus": ("RuntimeStatusRequest", "RuntimeStatusResponse"),
}


def _add_fields(message: descriptor_pb2.DescriptorProto, fields) -> None:
    for name, number, field_type in fields:
        message.field.add(name=name, number=number, type=field_type, label=_OPT, json_name=name)


def _runtime_status_response(message: descriptor_pb2.DescriptorProto) -> None:
    message.name = "RuntimeStatusResponse"
    status = message.enum_type.add(name="Status")
    for name, number in (("STARTING", 0), ("READY", 1), ("FAILING", 2)):
        status.value.add(name=name, number=number)
    method_info = message.nested_type.add(name="MethodInfo")
    method_info.field.add(
        name="idInjectionPath", number=1, type=_UINT32, label=_REP, json_name="idInjectionPath"
    )
    entry = message.nested_type.add(name="MethodInfosEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=_STRING, label=_OPT, json_name="key")
    entry.field.add(
        name="value", number=2, type=_MESSAGE, label=_OPT, json_name="value",
        type_name=".mmesh.RuntimeStatusResponse.MethodInfo",
    )
    fields = [
        ("status", 1, _ENUM, _OPT, ".mmesh.RuntimeStatusResponse.Status"),
        ("capacityInBytes", 2, _UINT64, _OPT, None),
        ("maxLoadingConcurrency", 3, _UINT32, _OPT, None),
        ("modelLoadingTimeoutMs", 4, _UINT32, _OPT, None),
        ("defaultModelSizeInBytes", 5, _UINT64, _OPT, None),
        ("runtimeVersion", 6, _STRING, _OPT, None),
        ("numericRuntimeVersion", 7, _UINT64, _OPT, None),
        ("methodInfos", 8, _MESSAGE, _REP, ".mmesh.RuntimeStatusResponse.MethodInfosEntry"),
        ("limitModelConcurrency", 9, _BOOL, _OPT, None),
        ("allowAnyMethod", 10, _BOOL, _OPT, None),
    ]
    for name, number, field_type, label, type_name in fields:
        field = message.field.add(name=name, number=number, type=field_type, label=label, json_name=name)
        if type_name:
            field.type_name = type_name


def file_descriptor_proto() -> descriptor_pb2.FileDescriptorProto:
    """The ``FileDescriptorProto`` of ``model-runtime.proto``."""
    fdp = descriptor_pb2.FileDescriptorProto(name=FILE_NAME, package=PACKAGE, syntax="proto3")
    fdp.options.java_package = "com.ibm.watson.modelmesh.api"
    fdp.options.java_multiple_files = True
    for name, fields in _MESSAGES:
        _add_fields(fdp.message_type.add(name=name), fields)
    _runtime_status_response(fdp.message_type.add())
    service = fdp.service.add(name="ModelRuntime")
    for method, (request, response) in METHODS.items():
        service.method.add(name=method, input_type=f".mmesh.{request}", output_type=f".mmesh.{response}")
    return fdp


@functools.cache
def messages() -> SimpleNamespace:
    """The message classes of ``mmesh`` by name (the file is added to the default pool once)."""
    return message_classes(FILE_NAME, file_descriptor_proto)
