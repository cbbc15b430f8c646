"""Everything the runtime serves, generated once per process from the configuration.

:func:`get_services` imports ``runtime.library``, selects the modules and tasks to serve and
returns a :class:`RuntimeServices`:

* ``inference`` -- ``<package>.<Domain>Service`` of :class:`~.inference.TaskRPC` s
* ``jobs`` -- ``<package>.<Domain>JobService`` (prediction jobs of the unary task RPCs)
* ``training`` -- ``<package>.<Domain>TrainingService`` of :class:`~.training.TrainRPC` s
* ``training_management``, ``model_management``, ``info`` -- the fixed services

Each is a transport-neutral :class:`~.specs.ServiceSpec` (None when disabled by
``runtime.service_generation.enable_*``). The gRPC server, the HTTP server and
``dump_services`` all read the same instance.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Dict, List, Optional, Tuple

from .. import names
from .inference import TaskRPC, build_task_rpcs
from .library import import_library, served_modules, served_tasks
from .messages import make_message
from .specs import RPCSpec, ServiceSpec
from .training import TrainRPC, build_train_rpcs

__all__ = ["JobRPC", "RuntimeServices", "generate_services", "get_services", "reset_services"]

log = logging.getLogger("caikit.runtime.service_generation")


class JobRPC(RPCSpec):
    """One RPC of the prediction-job service.

    Attributes:
        action: ``start``, ``status``, ``cancel`` or ``result``
        task_rpc: the unary inference RPC whose predictions it manages
    """

    def __init__(self, name: str, request: Any, response: Any, action: str, task_rpc: TaskRPC):
        super().__init__(name=name, request=request, response=response)
        self.action = action
        self.task_rpc = task_rpc


@dataclasses.dataclass(eq=False)
class RuntimeServices:
    """The generated services of one runtime."""

    library: str
    domain: str
    package: str
    modules: List[type]
    inference: Optional[ServiceSpec]
    jobs: Optional[ServiceSpec]
    training: Optional[ServiceSpec]
    training_management: Optional[ServiceSpec]
    model_management: Optional[ServiceSpec]
    info: ServiceSpec

    def all(self) -> List[ServiceSpec]:
        """Every enabled service."""
        return [
            s
            for s in (self.inference, self.jobs, self.training, self.training_management, self.model_management, self.info)
            if s is not None
        ]

    @property
    def task_rpcs(self) -> List[TaskRPC]:
        """The inference RPCs (empty when inference is disabled)."""
        return list(self.inference.rpcs) if self.inference else []  # type: ignore[arg-type]

    @property
    def train_rpcs(self) -> List[TrainRPC]:
        """The train RPCs (empty when training is disabled)."""
        return list(self.training.rpcs) if self.training else []  # type: ignore[arg-type]


def _job_service(package: str, domain: str, task_rpcs: List[TaskRPC]) -> ServiceSpec:
    from caikit.interfaces.runtime.data_model import (
        PredictionJob,
        PredictionJobInfoRequest,
        PredictionJobStatusResponse,
    )

    service = ServiceSpec(package, names.service_name(domain, "Job"))
    for rpc in task_rpcs:
        if rpc.flavour is not names.Flavour.UNARY:
            continue
        task = rpc.task.__name__
        service.rpcs += [
            JobRPC(f"{task}StartPredictionJob", rpc.request, PredictionJob, "start", rpc),
            JobRPC(f"{task}GetPredictionJobStatus", PredictionJobInfoRequest, PredictionJobStatusResponse, "status", rpc),
            JobRPC(f"{task}CancelPredictionJob", PredictionJobInfoRequest, PredictionJobStatusResponse, "cancel", rpc),
            JobRPC(f"{task}GetPredictionJobResult", PredictionJobInfoRequest, rpc.response, "result", rpc),
        ]
        # the reference also generates these (unused) messages; keep dumps identical
        for suffix in ("CancelPredictionJob", "GetPredictionJobResult", "GetPredictionJobStatus"):
            service.messages[f"{task}{suffix}"] = make_message(f"{task}{suffix}", package, [("prediction_id", str, False)])
    service.rpcs.sort(key=lambda r: r.name)
    return service


def _fixed_services(training: bool, models: bool) -> Tuple[Optional[ServiceSpec], Optional[ServiceSpec], ServiceSpec]:
    from caikit.interfaces.runtime import data_model as dm

    training_management = None
    if training:
        training_management = ServiceSpec(
            names.TRAINING_MANAGEMENT_PACKAGE,
            names.TRAINING_MANAGEMENT_SERVICE,
            [
                RPCSpec("GetTrainingStatus", dm.TrainingInfoRequest, dm.TrainingStatusResponse),
                RPCSpec("CancelTraining", dm.TrainingInfoRequest, dm.TrainingStatusResponse),
            ],
        )
    model_management = None
    if models:
        model_management = ServiceSpec(
            names.MODEL_MANAGEMENT_PACKAGE,
            names.MODEL_MANAGEMENT_SERVICE,
            [
                RPCSpec("DeployModel", dm.DeployModelRequest, dm.ModelInfo),
                RPCSpec("UndeployModel", dm.UndeployModelRequest, dm.UndeployModelRequest),
            ],
        )
    info = ServiceSpec(
        names.INFO_PACKAGE,
        names.INFO_SERVICE,
        [
            RPCSpec("GetRuntimeInfo", dm.RuntimeInfoRequest, dm.RuntimeInfoResponse),
            RPCSpec("GetModelsInfo", dm.ModelInfoRequest, dm.ModelInfoResponse),
        ],
    )
    return training_management, model_management, info


def generate_services(runtime_config: Any = None) -> RuntimeServices:
    """Generate the services described by ``runtime_config`` (default: the current config).

    Raises:
        ImportError: ``runtime.library`` cannot be imported
        TypeError: modules disagree on a parameter type, or a task does not return a dataobject
    """
    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    library = str(runtime_config.library or "")
    generation = runtime_config.service_generation or {}
    import_library(library)
    domain = names.domain_name(library, generation.get("domain"))
    package = names.package_name(domain, generation.get("package"))
    modules = served_modules(library, generation)
    enable_inference = generation.get("enable_inference", True) is not False
    enable_training = generation.get("enable_training", True) is not False
    enable_jobs = enable_inference and generation.get("enable_inference_jobs", True) is not False

    def tasks_of(module_class: type) -> List[type]:
        return served_tasks(module_class, generation)

    task_rpcs = build_task_rpcs(modules, package, tasks_of) if enable_inference else []
    inference = ServiceSpec(package, names.service_name(domain, ""), list(task_rpcs)) if enable_inference else None
    if inference is not None:
        inference.messages = {rpc.request.__name__: rpc.request for rpc in task_rpcs}
    jobs = _job_service(package, domain, task_rpcs) if enable_jobs else None
    training = None
    if enable_training:
        trainable = [m for m in modules if tasks_of(m)]
        train_rpcs = build_train_rpcs(trainable, package)
        training = ServiceSpec(package, names.service_name(domain, "Training"), list(train_rpcs))
        for rpc in train_rpcs:
            training.messages[rpc.request.__name__] = rpc.request
            training.messages[rpc.parameters.__name__] = rpc.parameters
    training_management, model_management, info = _fixed_services(enable_training, enable_inference or enable_jobs)
    log.info(
        "Generated services for library %r: %d modules, %d inference RPCs, %d train RPCs",
        library, len(modules), len(task_rpcs), len(training.rpcs) if training else 0,
    )
    return RuntimeServices(
        library, domain, package, modules, inference, jobs, training, training_management, model_management, info
    )


_SERVICES: Dict[str, RuntimeServices] = {}
_LOCK = threading.Lock()


def _config_key(runtime_config: Any) -> str:
    generation = runtime_config.service_generation or {}
    return repr((runtime_config.library, sorted((k, repr(v)) for k, v in dict(generation).items())))


def get_services(runtime_config: Any = None) -> RuntimeServices:
    """The services for the current configuration, generated on first use and then shared."""
    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    key = _config_key(runtime_config)
    with _LOCK:
        services = _SERVICES.get(key)
        if services is None:
            services = _SERVICES[key] = generate_services(runtime_config)
        return services


def reset_services() -> None:
    """Forget generated services (tests)."""
    with _LOCK:
        _SERVICES.clear()
