"""``INLINE``: a trainer that trains in the caller's thread and returns a finished future.

Config (``model_management.trainers.<name>``)::

    type: INLINE
    config: {}

A real trainer usually hands the work to something else (a queue, a cluster) and returns a
future that polls it; the contract is the same: :meth:`train` returns a
:class:`~caikit.core.model_management.ModelFutureBase` with an id that
:meth:`get_model_future` finds again.
"""
from __future__ import annotations

import datetime
import threading
import uuid
from typing import Any, Dict, Optional

from caikit.core.data_model import JobStatus
from caikit.core.model_management import (
    ModelFutureBase,
    ModelTrainerBase,
    TrainingInfo,
    UnknownTrainingError,
)
from caikit.core.model_management.model_trainer_base import final_save_path

__all__ = ["InlineModelFuture", "InlineModelTrainer"]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class InlineModelFuture(ModelFutureBase):
    """A training that already ran: COMPLETED with its model, or ERRORED with its error."""

    def __init__(self, training_id: str, save_path: Optional[str], submitted: datetime.datetime):
        super().__init__(training_id, save_path)
        self._submitted = submitted
        self._completed: Optional[datetime.datetime] = None
        self._model: Any = None
        self._error: Optional[BaseException] = None

    def run(self, module_class: type, args: tuple, kwargs: Dict[str, Any]) -> None:
        """Train (and save) now; failures are kept, not raised."""
        try:
            self._model = module_class.train(*args, **kwargs)
            if self.save_path is not None:
                self._model.save(self.save_path)
        except Exception as err:  # the future reports it as ERRORED
            self._error = err
        self._completed = _now()

    def get_info(self) -> TrainingInfo:
        status = JobStatus.ERRORED if self._error is not None else JobStatus.COMPLETED
        return TrainingInfo(
            status=status,
            errors=[self._error] if self._error is not None else None,
            submission_timestamp=self._submitted,
            completion_timestamp=self._completed,
        )

    def cancel(self) -> None:
        """Nothing to cancel: the training finished before the future was returned."""

    def wait(self, timeout: Optional[float] = None) -> None:
        """Already terminal."""

    def load(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._model


class InlineModelTrainer(ModelTrainerBase):
    """Trains synchronously; keeps every future it returned so ids can be looked up."""

    name = "INLINE"

    def __init__(self, config: Any, instance_name: str):
        super().__init__(config, instance_name)
        self._futures: Dict[str, InlineModelFuture] = {}
        self._lock = threading.Lock()

    def train(
        self,
        module_class: Any,
        *args: Any,
        save_path: Optional[str] = None,
        save_with_id: bool = False,
        external_training_id: Optional[str] = None,
        model_name: Optional[str] = None,
        **kwargs: Any,
    ) -> InlineModelFuture:
        training_id = external_training_id or str(uuid.uuid4())
        path = final_save_path(save_path, save_with_id, training_id, model_name)
        future = InlineModelFuture(training_id, path, _now())
        with self._lock:
            if training_id in self._futures:
                raise ValueError(f"Training id {training_id!r} is already in use")
            self._futures[training_id] = future
        future.run(module_class, args, kwargs)
        return future

    def get_model_future(self, training_id: str) -> InlineModelFuture:
        with self._lock:
            future = self._futures.get(training_id)
        if future is None:
            raise UnknownTrainingError(training_id)
        return future
