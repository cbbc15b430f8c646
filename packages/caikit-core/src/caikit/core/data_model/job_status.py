"""Job states shared by training and prediction jobs (``caikit_data_model.common.JobStatus``)."""

from enum import Enum

from ._dataobject import dataobject


@dataobject(package="caikit_data_model.common")
class JobStatus(Enum):
    """The state of a training or prediction job; the last three are terminal."""

    PLACEHOLDER_UNSET = 0
    QUEUED = 1
    RUNNING = 2
    COMPLETED = 3
    CANCELED = 4
    ERRORED = 5

    @property
    def is_terminal(self) -> bool:
        """True for COMPLETED, CANCELED and ERRORED."""
        return self in (JobStatus.COMPLETED, JobStatus.CANCELED, JobStatus.ERRORED)


#: The name caikit used for JobStatus before prediction jobs shared it.
TrainingStatus = JobStatus
#: The same states, named for prediction jobs.
PredictionJobStatus = JobStatus

__all__ = ["JobStatus", "PredictionJobStatus", "TrainingStatus"]
