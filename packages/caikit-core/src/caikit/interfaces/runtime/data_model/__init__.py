"""The runtime data model (proto packages ``caikit_data_model.runtime`` and
``caikit_data_model.common.runtime``).

``TrainingStatus`` (the ``JobStatus`` enum) is importable from here, as the seed's gRPC example
does (caikit 0.29.1 dropped it from this module; we keep it).
"""

from caikit.core.data_model import JobStatus, TrainingStatus

from .info import (
    ModelInfo,
    ModelInfoRequest,
    ModelInfoResponse,
    RuntimeInfoRequest,
    RuntimeInfoResponse,
)
from .model_management import DeployModelRequest, UndeployModelRequest
from .package import COMMON_RUNTIME_PACKAGE, RUNTIME_PACKAGE
from .prediction_job_management import (
    PredictionJob,
    PredictionJobInfoRequest,
    PredictionJobStatusResponse,
)
from .training_management import (
    ModelPointer,
    TrainingInfoRequest,
    TrainingJob,
    TrainingStatusResponse,
)

__all__ = [
    "COMMON_RUNTIME_PACKAGE",
    "RUNTIME_PACKAGE",
    "DeployModelRequest",
    "JobStatus",
    "ModelInfo",
    "ModelInfoRequest",
    "ModelInfoResponse",
    "ModelPointer",
    "PredictionJob",
    "PredictionJobInfoRequest",
    "PredictionJobStatusResponse",
    "RuntimeInfoRequest",
    "RuntimeInfoResponse",
    "TrainingInfoRequest",
    "TrainingJob",
    "TrainingStatus",
    "TrainingStatusResponse",
    "UndeployModelRequest",
]
