"""``processproto.Process``: caikit 0.29.1's legacy "train by dict" service.

``Run(ProcessRequest) -> ProcessResponse`` trains one module through the same path as the
generated train RPCs (:class:`~caikit.runtime.training_management.TrainingManager`), and
answers when the training has finished:

* ``request_dict["train_module"]``: the module id (``@module`` id) of a served module;
* ``request_dict["training_params"]``: the JSON of that module's train request
  (``<FirstTask><Module>TrainRequest``: ``model_name``, ``parameters``, ``output_path``);
* the training id is ``customTrainingID``, else ``trainingID``, else a new uuid4, and the
  training shows in ``TrainingManagement/GetTrainingStatus`` under it;
* the answer echoes ``trainingID`` and ``customTrainingID``; ``response_dict`` stays empty.

Status codes and messages are 0.29.1's, recorded in
``packages/caikit-runtime/tests/fixtures/reference_process_service.md``. The service is
registered when training is enabled and, as in 0.29.1, is not listed by reflection (its file
is in the default descriptor pool, so reflection resolves its symbols). The descriptors are
built here from ``process.proto``'s definition: no generated ``_pb2`` module is needed.
"""
from __future__ import annotations

import functools
import json
import logging
import uuid
from types import SimpleNamespace
from typing import Any, Dict

import grpc
from google.protobuf import descriptor_pb2, json_format

from ..built_descriptors import message_classes
from ..errors import CaikitRuntimeException, StatusCode, to_runtime_exception
from ..service_generation.specs import proto_class_of
from ._errors import unary_handler

__all__ = [
    "FILE_NAME",
    "PACKAGE",
    "SERVICE_NAME",
    "file_descriptor_proto",
    "messages",
    "process_handlers",
]

log = logging.getLogger("caikit.runtime.grpc.process")

PACKAGE = "processproto"
SERVICE_NAME = "processproto.Process"
FILE_NAME = "process.proto"

#: 0.29.1's messages (fixtures/reference_process_service.md)
UNKNOWN_MODULE = "Model Train not able to parse module for this Train Request"
INPUT_PREFIX = "Exception raised during training. This may be a problem with your input: "
UNHANDLED = "Unhandled exception during training"

_F = descriptor_pb2.FieldDescriptorProto
_STRING, _MESSAGE = _F.TYPE_STRING, _F.TYPE_MESSAGE
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED

# (message, [(field, number, label, map entry or None, json name)]) in process.proto's order
_MESSAGES = [
    (
        "ProcessRequest",
        [
            ("trainingID", 1, _OPT, None, "trainingID"),
            ("customTrainingID", 6, _OPT, None, "customTrainingID"),
            ("request_dict", 2, _REP, "RequestDictEntry", "requestDict"),
            ("training_input_dir", 3, _OPT, None, "trainingInputDir"),
            ("training_output_dir", 4, _OPT, None, "trainingOutputDir"),
            ("data_input_dir", 5, _REP, None, "dataInputDir"),
            ("data_inputs", 7, _REP, "DataInputsEntry", "dataInputs"),
        ],
    ),
    (
        "ProcessResponse",
        [
            ("trainingID", 1, _OPT, None, "trainingID"),
            ("customTrainingID", 3, _OPT, None, "customTrainingID"),
            ("response_dict", 2, _REP, "ResponseDictEntry", "responseDict"),
        ],
    ),
]


def file_descriptor_proto() -> descriptor_pb2.FileDescriptorProto:
    """The ``FileDescriptorProto`` of caikit 0.29.1's ``process.proto``."""
    fdp = descriptor_pb2.FileDescriptorProto(name=FILE_NAME, package=PACKAGE, syntax="proto3")
    fdp.options.java_package = "com.ibm.watson.modeltrain.process"
    fdp.options.go_package = "github.ibm.com/deep-learning-platform/processproto;processproto"
    for message_name, fields in _MESSAGES:
        message = fdp.message_type.add(name=message_name)
        for name, number, label, entry_name, json_name in fields:
            field = message.field.add(name=name, number=number, label=label, json_name=json_name)
            if entry_name is None:
                field.type = _STRING
                continue
            field.type, field.type_name = _MESSAGE, f".{PACKAGE}.{message_name}.{entry_name}"
            entry = message.nested_type.add(name=entry_name)
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=_STRING, label=_OPT, json_name="key")
            entry.field.add(name="value", number=2, type=_STRING, label=_OPT, json_name="value")
    fdp.service.add(name="Process").method.add(
        name="Run", input_type=f".{PACKAGE}.ProcessRequest", output_type=f".{PACKAGE}.ProcessResponse"
    )
    return fdp


@functools.cache
def messages() -> SimpleNamespace:
    """``ProcessRequest`` and ``ProcessResponse`` (the file is added to the default pool once)."""
    return message_classes(FILE_NAME, file_descriptor_proto)


def _input_error(message: str) -> CaikitRuntimeException:
    return CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, INPUT_PREFIX + message)


def _as_process_error(err: BaseException) -> CaikitRuntimeException:
    """0.29.1's mapping: the client's fault is INVALID_ARGUMENT with the input prefix, anything
    else INTERNAL without details (logged here with the error id)."""
    mapped = to_runtime_exception(err, "processproto.Process/Run")
    if mapped.code is StatusCode.INVALID_ARGUMENT:
        return _input_error(mapped.message)
    if mapped.code is StatusCode.INTERNAL:
        wrapped = CaikitRuntimeException(StatusCode.INTERNAL, UNHANDLED, id=mapped.id)
        log.warning("%s (error id %s): %r", UNHANDLED, wrapped.id, err)
        return wrapped
    return mapped


def process_handlers(training_service: Any, training_manager: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """The handler of ``Run``.

    Args:
        training_service: the generated training service (its train RPCs name the modules)
        training_manager: the runtime's :class:`~caikit.runtime.training_management.TrainingManager`
    """
    msgs = messages()
    rpcs = {getattr(rpc.module_class, "MODULE_ID", None): rpc for rpc in training_service.rpcs}

    def parse(request: Any) -> Any:
        rpc = rpcs.get(request.request_dict.get("train_module") or None)
        if rpc is None:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, UNKNOWN_MODULE)
        try:
            params = json.loads(request.request_dict.get("training_params", ""))
        except ValueError as err:
            raise _input_error(str(err)) from err
        try:
            # as 0.29.1 (protobuf's ParseDict): snake_case or camelCase, unknown fields refused
            proto = json_format.ParseDict(params, proto_class_of(rpc.request)())
            return rpc, rpc.request.from_proto(proto)
        except Exception as err:
            log.warning("processproto.Process/Run: training_params are not a %s: %r", rpc.request.__name__, err)
            raise CaikitRuntimeException(StatusCode.INTERNAL, UNHANDLED) from err

    def run(request: Any, context: Any) -> Any:
        rpc, train_request = parse(request)
        training_id = request.customTrainingID or request.trainingID or str(uuid.uuid4())
        try:
            training_manager.start_training(rpc, train_request, training_id=training_id, allow_unnamed=True)
        except Exception as err:
            raise _as_process_error(err) from err
        info = training_manager.wait(training_id, keep_waiting=context.is_active)
        state = getattr(info.status, "name", str(info.status))
        if state == "ERRORED":
            raise _as_process_error((info.errors or [RuntimeError("training failed")])[0])
        if state == "CANCELED":
            raise CaikitRuntimeException(StatusCode.CANCELLED, f"Training {training_id} was canceled")
        return msgs.ProcessResponse(trainingID=request.trainingID, customTrainingID=request.customTrainingID)

    return {"Run": unary_handler(run, msgs.ProcessRequest, "processproto.Process/Run")}
