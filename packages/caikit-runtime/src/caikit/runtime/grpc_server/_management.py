"""gRPC handlers of the non-inference services: training, training management, model
management, info and prediction jobs. Each converts the request to its dataobject, calls the
transport-neutral layer and serializes the dataobject it returns."""
from __future__ import annotations

from typing import Any, Callable, Dict

import grpc

from ..errors import CaikitRuntimeException, StatusCode, to_runtime_exception
from ..service_generation.specs import RPCSpec, ServiceSpec, proto_class_of
from ._errors import Undecodable, abort_with, tolerant, undecodable_error
from ._inference import _model_id, _Resolver

__all__ = [
    "info_handlers",
    "job_handlers",
    "model_management_handlers",
    "train_handlers",
    "training_management_handlers",
]

# (request dataobject, context) -> response dataobject
Behaviour = Callable[[Any, Any], Any]


def _handler(rpc: RPCSpec, behaviour: Behaviour, from_proto: bool = True) -> grpc.RpcMethodHandler:
    request_type = rpc.request
    name = rpc.name

    def handle(request: Any, context: Any) -> bytes:
        try:
            if request.__class__ is Undecodable:
                raise undecodable_error()
            argument = request_type.from_proto(request) if from_proto else request
            return behaviour(argument, context).to_binary_buffer()
        except Exception as err:
            abort_with(context, to_runtime_exception(err, name))

    return grpc.unary_unary_rpc_method_handler(handle, request_deserializer=tolerant(proto_class_of(request_type).FromString))


def _handlers(service: ServiceSpec, behaviours: Dict[str, Behaviour], from_proto: bool = True) -> Dict[str, grpc.RpcMethodHandler]:
    return {rpc.name: _handler(rpc, behaviours[rpc.name], from_proto) for rpc in service.rpcs if rpc.name in behaviours}


def train_handlers(service: ServiceSpec, training_manager: Any, output_dir: Any = None) -> Dict[str, grpc.RpcMethodHandler]:
    """One handler per train RPC."""
    behaviours = {
        rpc.name: (lambda request, context, rpc=rpc: training_manager.start_training(rpc, request, output_dir))
        for rpc in service.rpcs
    }
    return _handlers(service, behaviours)


def training_management_handlers(service: ServiceSpec, training_manager: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """GetTrainingStatus and CancelTraining."""
    return _handlers(
        service,
        {
            "GetTrainingStatus": lambda request, context: training_manager.get_status(request.training_id),
            "CancelTraining": lambda request, context: training_manager.cancel(request.training_id),
        },
    )


def model_management_handlers(service: ServiceSpec, model_manager: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """DeployModel and UndeployModel."""
    from ..info import model_info

    def deploy(request: Any, context: Any) -> Any:
        files = [(f.filename, f.data or b"") for f in request.model_files or []]
        entry = model_manager.deploy_model(request.model_id, files)
        return model_info(entry)

    def undeploy(request: Any, context: Any) -> Any:
        model_manager.undeploy_model(request.model_id)
        return request

    return _handlers(service, {"DeployModel": deploy, "UndeployModel": undeploy})


def info_handlers(service: ServiceSpec, model_manager: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """GetRuntimeInfo and GetModelsInfo."""
    from ..info import models_info, runtime_info

    return _handlers(
        service,
        {
            "GetRuntimeInfo": lambda request, context: runtime_info(),
            "GetModelsInfo": lambda request, context: models_info(request.model_ids, model_manager),
        },
    )


def job_handlers(service: ServiceSpec, model_manager: Any, job_manager: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """Start / status / cancel / result of prediction jobs."""
    handlers: Dict[str, grpc.RpcMethodHandler] = {}
    for rpc in service.rpcs:
        action = rpc.action
        if action == "start":
            resolve = _Resolver(rpc.task_rpc, model_manager.retrieve_model)

            def start(request: Any, context: Any, resolve: Any = resolve) -> Any:
                model, binding = resolve(_model_id(context))
                return job_manager.start(model, binding, binding.kwargs_from_proto(request))

            handlers[rpc.name] = _handler(rpc, start, from_proto=False)
        elif action == "status":
            handlers[rpc.name] = _handler(rpc, lambda request, context: job_manager.status(request.prediction_id))
        elif action == "cancel":
            handlers[rpc.name] = _handler(rpc, lambda request, context: job_manager.cancel(request.prediction_id))
        elif action == "result":
            handlers[rpc.name] = _handler(rpc, lambda request, context: job_manager.result(request.prediction_id))
        else:
            raise CaikitRuntimeException(StatusCode.INTERNAL, f"unknown job action {action!r}")
    return handlers
