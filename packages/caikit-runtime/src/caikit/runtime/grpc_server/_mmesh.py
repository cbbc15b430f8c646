"""``mmesh.ModelRuntime``: the KServe ModelMesh model-runtime SPI on top of the model manager.

ModelMesh asks the runtime to load, unload and size models and reads its capacity from
``runtimeStatus``. Model paths must lie inside ``runtime.local_models_dir`` or one of
``inference_plugin.model_mesh.allowed_model_roots``; relative paths are taken inside
``local_models_dir``.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List

import grpc

from ..errors import CaikitRuntimeException, StatusCode
from ..mmesh import descriptors
from ..model_management.loaded_model import DEFAULT_MODEL_TYPE
from ..model_management.model_ids import is_inside
from ._errors import unary_handler

__all__ = ["SERVICE_NAME", "mmesh_handlers"]

SERVICE_NAME = descriptors.SERVICE_NAME


def _allowed_roots(model_manager: Any, mm_config: Any) -> List[str]:
    roots = [model_manager.models_dir] if model_manager.models_dir else []
    roots += [os.path.abspath(r) for r in (mm_config.get("allowed_model_roots") or [])]
    return roots


def _checked_path(path: str, roots: List[str], model_manager: Any) -> str:
    if not path or "\x00" in path:
        raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Invalid model path {path!r}")
    if not os.path.isabs(path):
        if not model_manager.models_dir:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Relative model path {path!r} without runtime.local_models_dir")
        path = os.path.join(model_manager.models_dir, path)
    if not any(is_inside(path, root) and os.path.realpath(path) != os.path.realpath(root) for root in roots):
        raise CaikitRuntimeException(
            StatusCode.PERMISSION_DENIED, f"Model path {path!r} is outside the allowed model directories"
        )
    return path


def mmesh_handlers(model_manager: Any, mm_config: Any, ready: Any) -> Dict[str, grpc.RpcMethodHandler]:
    """Handlers of the five ``mmesh.ModelRuntime`` methods.

    Args:
        model_manager: the runtime's model manager
        mm_config: the ``inference_plugin.model_mesh`` config section
        ready: ``() -> bool``, whether boot-time loading finished
    """
    msgs = descriptors.messages()
    roots = _allowed_roots(model_manager, mm_config)
    max_concurrency = int(mm_config.get("max_model_concurrency") or 0)

    def load_model(request: Any, context: Any) -> Any:
        path = _checked_path(request.modelPath, roots, model_manager)
        model_manager.load_model(request.modelId, path, request.modelType or DEFAULT_MODEL_TYPE, wait=True)
        return msgs.LoadModelResponse(
            sizeInBytes=model_manager.get_model_size(request.modelId), maxConcurrency=max_concurrency
        )

    def unload_model(request: Any, context: Any) -> Any:
        model_manager.unload_model(request.modelId)
        return msgs.UnloadModelResponse()

    def predict_model_size(request: Any, context: Any) -> Any:
        path = _checked_path(request.modelPath, roots, model_manager)
        return msgs.PredictModelSizeResponse(
            sizeInBytes=model_manager.estimate_model_size(path, request.modelType or DEFAULT_MODEL_TYPE)
        )

    def model_size(request: Any, context: Any) -> Any:
        return msgs.ModelSizeResponse(sizeInBytes=model_manager.get_model_size(request.modelId))

    def runtime_status(request: Any, context: Any) -> Any:
        status = msgs.RuntimeStatusResponse.READY if ready() else msgs.RuntimeStatusResponse.STARTING
        return msgs.RuntimeStatusResponse(
            status=status,
            capacityInBytes=int(mm_config.get("capacity") or 0),
            maxLoadingConcurrency=int(mm_config.get("max_loading_concurrency") or 0),
            modelLoadingTimeoutMs=int(mm_config.get("model_loading_timeout_ms") or 0),
            defaultModelSizeInBytes=int(mm_config.get("default_model_size") or 0),
            runtimeVersion=str(mm_config.get("runtime_version") or ""),
            limitModelConcurrency=max_concurrency > 0,
        )

    behaviours = {
        "loadModel": load_model,
        "unloadModel": unload_model,
        "predictModelSize": predict_model_size,
        "modelSize": model_size,
        "runtimeStatus": runtime_status,
    }
    handlers = {}
    for method, (request_name, _response_name) in descriptors.METHODS.items():
        handlers[method] = unary_handler(behaviours[method], getattr(msgs, request_name), f"mmesh.{method}")
    return handlers
