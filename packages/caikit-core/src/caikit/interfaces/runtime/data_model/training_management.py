"""Messages of ``caikit.runtime.training.TrainingManagement`` and of train RPC replies."""

import datetime
from typing import List

from caikit.core.data_model import DataObjectBase, JobStatus, dataobject

from .package import RUNTIME_PACKAGE


@dataobject(package=RUNTIME_PACKAGE)
class TrainingInfoRequest(DataObjectBase):
    """Asks for (or cancels) one training."""

    training_id: str


@dataobject(package=RUNTIME_PACKAGE)
class TrainingJob(DataObjectBase):
    """The reply to a train request: the id to poll and the model being trained."""

    training_id: str
    model_name: str


@dataobject(package=RUNTIME_PACKAGE)
class TrainingStatusResponse(DataObjectBase):
    """Where a training is; ``reasons`` explain an ERRORED state."""

    training_id: str
    state: JobStatus
    submission_timestamp: datetime.datetime
    completion_timestamp: datetime.datetime
    reasons: List[str]


@dataobject(package=RUNTIME_PACKAGE)
class ModelPointer(DataObjectBase):
    """Names one model."""

    model_id: str
