"""Prediction jobs: run a unary prediction in the background and fetch its result later.

Transport-neutral. ``JobManager.start(model, binding, kwargs)`` returns a ``PredictionJob``
dataobject at once; ``status(id)`` / ``cancel(id)`` return ``PredictionJobStatusResponse``;
``result(id)`` returns the model's output dataobject. Finished jobs are forgotten after
``model_management.job_predictors.default.config.retention_duration`` (default one day).
"""
from __future__ import annotations

import datetime
import logging
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from .cancellation import CancellableWork, WorkCancelled
from .errors import CaikitRuntimeException, StatusCode, to_runtime_exception

__all__ = ["JobManager", "get_job_manager"]

log = logging.getLogger("caikit.runtime.jobs")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_retention(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
    if not match:
        raise ValueError(f"Invalid retention_duration {value!r}: use e.g. 30s, 10m, 2h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class _Job:
    __slots__ = ("completed", "done", "error", "id", "result", "state", "submitted", "work")

    def __init__(self, job_id: str):
        from caikit.core.data_model import JobStatus

        self.id = job_id
        self.state = JobStatus.QUEUED
        self.submitted = _now()
        self.completed: Optional[datetime.datetime] = None
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.work = CancellableWork()
        self.done = threading.Event()


class JobManager:
    """The prediction jobs of one process."""

    def __init__(self, max_workers: int = 4, retention_seconds: Optional[float] = 86400.0):
        self._jobs: Dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="caikit-job")
        self._retention = retention_seconds

    def start(self, model: Any, binding: Any, kwargs: Dict[str, Any]) -> Any:
        """Run ``binding``'s method of ``model`` with ``kwargs`` in the background."""
        from caikit.interfaces.runtime.data_model import PredictionJob

        self._purge()
        job = _Job(str(uuid.uuid4()))
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, getattr(model, binding.method_name), kwargs)
        return PredictionJob(prediction_id=job.id)

    def _run(self, job: _Job, method: Any, kwargs: Dict[str, Any]) -> None:
        from caikit.core.data_model import JobStatus

        try:
            job.work.begin()
        except WorkCancelled:
            job.done.set()
            return
        try:
            job.state = JobStatus.RUNNING
            result = method(**kwargs)
            job.work.end()
            job.result = result
            job.state = JobStatus.COMPLETED
        except WorkCancelled:
            job.work.end()
        except BaseException as err:
            job.work.end()
            job.error = err
            job.state = JobStatus.ERRORED
        finally:
            job.work.close()
            if job.completed is None:
                job.completed = _now()
            job.done.set()

    def _job(self, job_id: str) -> _Job:
        self._purge()
        job = self._jobs.get(job_id)
        if job is None:
            raise CaikitRuntimeException(StatusCode.NOT_FOUND, f"Unknown prediction_id: {job_id}")
        return job

    def status(self, job_id: str) -> Any:
        """The ``PredictionJobStatusResponse`` of a job."""
        from caikit.interfaces.runtime.data_model import PredictionJobStatusResponse

        job = self._job(job_id)
        return PredictionJobStatusResponse(
            prediction_id=job.id,
            state=job.state,
            submission_timestamp=job.submitted,
            completion_timestamp=job.completed,
            reasons=[str(job.error)] if job.error is not None else [],
        )

    def cancel(self, job_id: str) -> Any:
        """Cancel a job (a finished one keeps its state) and return its status."""
        from caikit.core.data_model import JobStatus

        job = self._job(job_id)
        if not job.done.is_set():
            job.state = JobStatus.CANCELED
            job.completed = _now()
            job.work.cancel()
            job.done.wait(5)
        return self.status(job_id)

    def result(self, job_id: str) -> Any:
        """The output of a COMPLETED job.

        Raises:
            CaikitRuntimeException: FAILED_PRECONDITION (still running), CANCELLED, or the
                mapped error of a failed job
        """
        from caikit.core.data_model import JobStatus

        job = self._job(job_id)
        if job.state is JobStatus.COMPLETED:
            return job.result
        if job.state is JobStatus.ERRORED and job.error is not None:
            raise to_runtime_exception(job.error, f"prediction job {job_id}")
        if job.state is JobStatus.CANCELED:
            raise CaikitRuntimeException(StatusCode.CANCELLED, f"Prediction {job_id} was canceled")
        raise CaikitRuntimeException(
            StatusCode.FAILED_PRECONDITION, f"Prediction {job_id} is not finished (state {job.state.name})"
        )

    def _purge(self) -> None:
        if self._retention is None:
            return
        cutoff = _now() - datetime.timedelta(seconds=self._retention)
        with self._lock:
            expired = [k for k, j in self._jobs.items() if j.completed is not None and j.completed < cutoff]
            for key in expired:
                del self._jobs[key]

    def shutdown(self) -> None:
        """Stop accepting jobs."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_MANAGER: Optional[JobManager] = None
_MANAGER_LOCK = threading.Lock()


def get_job_manager() -> JobManager:
    """The process-wide job manager (configured from ``model_management.job_predictors``)."""
    global _MANAGER
    if _MANAGER is None:
        with _MANAGER_LOCK:
            if _MANAGER is None:
                from caikit.config import get_config

                predictors = (get_config().model_management or {}).get("job_predictors") or {}
                config = ((predictors.get("default") or {}).get("config")) or {}
                _MANAGER = JobManager(retention_seconds=_parse_retention(config.get("retention_duration", "1d")))
    return _MANAGER
