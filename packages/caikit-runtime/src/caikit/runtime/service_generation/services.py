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

import logging
import threading
from typing import Any, Dict, List, Optional, Tuple

from .. import names
from .compatibility import check_backwards_compatibility
from .inference import TaskRPC, build_task_rpcs
from .library import import_library, served_modules, served_tasks
from .messages import make_message
from .specs import RPCSpec, ServiceSpec
from .training import TrainRPC, build_train_rpcs

__all__ = [
    "JobRPC",
    "RuntimeServices",
    "complete_services",
    "generate_inference",
    "generate_services",
    "get_services",
    "reset_services",
]

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


class RuntimeServices:
    """The generated services of one runtime.

    Generation has two stages: the inference service first (all a first answer needs), then the
    rest (jobs, training and the fixed services, which import the runtime interfaces).
    ``complete`` tells whether the second stage ran; :func:`get_services` returns complete
    services unless asked with ``complete=False``.

    Attributes:
        library, domain, package: what the services are named after
        modules: the served module classes
        inference, jobs, training, training_management, model_management, info: the
            :class:`ServiceSpec` s (None when disabled or not generated yet)
    """

    def __init__(self, library: str, domain: str, package: str, modules: List[type], inference: Optional[ServiceSpec], generation: Any = None):
        self.library = library
        self.domain = domain
        self.package = package
        self.modules = modules
        self.inference = inference
        self.jobs: Optional[ServiceSpec] = None
        self.training: Optional[ServiceSpec] = None
        self.training_management: Optional[ServiceSpec] = None
        self.model_management: Optional[ServiceSpec] = None
        self.info: Optional[ServiceSpec] = None
        self.complete = False
        self.generation = generation

    def all(self) -> List[ServiceSpec]:
        """Every enabled service (of the stages generated so far)."""
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
        """The train RPCs (empty when training is disabled or not generated yet)."""
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


def _enabled(generation: Any) -> Tuple[bool, bool, bool]:
    enable_inference = generation.get("enable_inference", True) is not False
    enable_training = generation.get("enable_training", True) is not False
    enable_jobs = enable_inference and generation.get("enable_inference_jobs", True) is not False
    return enable_inference, enable_training, enable_jobs


def generate_inference(runtime_config: Any) -> RuntimeServices:
    """The first stage: import the library and generate the inference service.

    Raises:
        ImportError: ``runtime.library`` cannot be imported
        TypeError: modules disagree on a parameter type, or a task does not return a dataobject
        BackwardsCompatibilityError: ``service_generation.backwards_compatibility`` is
            enabled and a module of its ``prev_modules_path`` is no longer served
    """
    library = str(runtime_config.library or "")
    generation = runtime_config.service_generation or {}
    import_library(library)
    domain = names.domain_name(library, generation.get("domain"))
    package = names.package_name(domain, generation.get("package"))
    modules = served_modules(library, generation)
    # runtime.service_generation.backwards_compatibility: before anything is generated
    check_backwards_compatibility(generation, [m.MODULE_ID for m in modules if served_tasks(m, generation)])
    enable_inference, _, _ = _enabled(generation)
    task_rpcs = build_task_rpcs(modules, package, lambda m: served_tasks(m, generation)) if enable_inference else []
    inference = None
    if enable_inference:
        inference = ServiceSpec(package, names.service_name(domain, ""), list(task_rpcs))
        inference.messages = {rpc.request.__name__: rpc.request for rpc in task_rpcs}
    return RuntimeServices(library, domain, package, modules, inference, generation=generation)


def complete_services(services: RuntimeServices) -> RuntimeServices:
    """The second stage (in place): jobs, training and the fixed services."""
    if services.complete:
        return services
    generation = services.generation or {}
    enable_inference, enable_training, enable_jobs = _enabled(generation)
    package, domain = services.package, services.domain
    task_rpcs = services.task_rpcs
    if enable_jobs:
        services.jobs = _job_service(package, domain, task_rpcs)
    if enable_training:
        trainable = [m for m in services.modules if served_tasks(m, generation)]
        train_rpcs = build_train_rpcs(trainable, package)
        training = ServiceSpec(package, names.service_name(domain, "Training"), list(train_rpcs))
        for rpc in train_rpcs:
            training.messages[rpc.request.__name__] = rpc.request
            training.messages[rpc.parameters.__name__] = rpc.parameters
        services.training = training
    services.training_management, services.model_management, services.info = _fixed_services(
        enable_training, enable_inference or enable_jobs
    )
    services.complete = True
    log.info(
        "Generated services for library %r: %d modules, %d inference RPCs, %d train RPCs",
        services.library, len(services.modules), len(task_rpcs), len(services.train_rpcs),
    )
    return services


def generate_services(runtime_config: Any = None) -> RuntimeServices:
    """Generate every service described by ``runtime_config`` (default: the current config).

    Raises:
        ImportError: ``runtime.library`` cannot be imported
        TypeError: modules disagree on a parameter type, or a task does not return a dataobject
    """
    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    return complete_services(generate_inference(runtime_config))


_SERVICES: Dict[str, RuntimeServices] = {}
_LOCK = threading.Lock()


def _config_key(runtime_config: Any) -> str:
    generation = runtime_config.service_generation or {}
    return repr((runtime_config.library, sorted((k, repr(v)) for k, v in dict(generation).items())))


def get_services(runtime_config: Any = None, complete: bool = True) -> RuntimeServices:
    """The services for the current configuration, generated on first use and then shared.

    Args:
        runtime_config: the ``runtime`` section (default: the current config's)
        complete: generate every service; False may return only the inference service (the
            gRPC server serves it first and completes the rest after its first answer can go)
    """
    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    key = _config_key(runtime_config)
    with _LOCK:
        services = _SERVICES.get(key)
        if services is None:
            services = _SERVICES[key] = generate_inference(runtime_config)
        if complete:
            complete_services(services)
        return services


def reset_services() -> None:
    """Forget generated services (tests)."""
    with _LOCK:
        _SERVICES.clear()
