"""Messages of the ``<Domain>JobService`` (background prediction jobs)."""

import datetime
from typing import List

from caikit.core.data_model import DataObjectBase, JobStatus, dataobject

from .package import RUNTIME_PACKAGE


@dataobject(package=RUNTIME_PACKAGE)
class PredictionJob(DataObjectBase):
    """The reply to starting a prediction job: the id to poll."""

    prediction_id: str


@dataobject(package=RUNTIME_PACKAGE)
class PredictionJobInfoRequest(DataObjectBase):
    """Asks for the status or result of (or cancels) one prediction job."""

    prediction_id: str


@dataobject(package=RUNTIME_PACKAGE)
class PredictionJobStatusResponse(DataObjectBase):
    """Where a prediction job is; ``reasons`` explain an ERRORED state."""

    prediction_id: str
    state: JobStatus
    submission_timestamp: datetime.datetime
    completion_timestamp: datetime.datetime
    reasons: List[str]
