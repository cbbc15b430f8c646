"""caikit.runtime: serve the tasks of the installed modules over gRPC and HTTP.

Importing this package is cheap: servers (``grpc_server``, ``http_server``) import grpc /
starlette only when asked for. The transport-neutral layer both servers build on:

* :mod:`caikit.runtime.service_generation` -- ``get_services()``: the generated services
  (``TaskRPC`` / ``TrainRPC`` specs with their request dataobjects and call plans)
* :mod:`caikit.runtime.names` -- every generated name (RPCs, messages, HTTP routes)
* :mod:`caikit.runtime.model_management` -- ``get_model_manager()``: loading, lazy loading,
  sync, deploy/undeploy, model-id validation
* :mod:`caikit.runtime.training_management` -- ``get_training_manager()``
* :mod:`caikit.runtime.prediction_jobs` -- ``get_job_manager()``
* :mod:`caikit.runtime.info` -- ``runtime_info()``, ``models_info()``
* :mod:`caikit.runtime.errors` -- ``CaikitRuntimeException``, ``StatusCode``,
  ``to_runtime_exception()``
* :mod:`caikit.runtime.cancellation` -- ``CancellableWork`` (stop a model call)
* :mod:`caikit.runtime.thread_pool`, :mod:`caikit.runtime.metrics`, :mod:`caikit.runtime.tls`

Helpers re-exported here: :func:`get_inference_request`, :func:`get_train_request`,
:func:`get_train_params`.
"""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["get_inference_request", "get_train_params", "get_train_request"]


def get_inference_request(
    task_or_module_class: type, input_streaming: bool = False, output_streaming: bool = False
) -> Optional[type]:
    """The request dataobject of a task's flavour (a module class means its first task).

    Returns:
        the class, or None if no served module implements that flavour
    """
    from .names import Flavour
    from .service_generation import get_services

    task = task_or_module_class
    tasks = getattr(task_or_module_class, "tasks", None)
    if isinstance(tasks, list) and tasks:
        task = tasks[0]
    flavour = Flavour.of(input_streaming, output_streaming)
    for rpc in get_services().task_rpcs:
        if rpc.task is task and rpc.flavour is flavour:
            return rpc.request
    return None


def _train_rpc(module_class: type) -> Any:
    from .service_generation import get_services

    for rpc in get_services().train_rpcs:
        if rpc.module_class is module_class:
            return rpc
    return None


def get_train_request(module_class: type) -> Optional[type]:
    """The ``...TrainRequest`` dataobject of a served module (None if it is not trainable)."""
    rpc = _train_rpc(module_class)
    return rpc.request if rpc is not None else None


def get_train_params(module_class: type) -> Optional[type]:
    """The ``...TrainParameters`` dataobject of a served module (None if it is not trainable)."""
    rpc = _train_rpc(module_class)
    return rpc.parameters if rpc is not None else None
