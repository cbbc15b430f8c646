"""ModelTrainerBase and ModelFutureBase: run trainings and follow them.

Configured under ``model_management.trainers.<name>: {type: <entry point>, config: {...}}``.
``ModelManager.train`` hands a module class and its ``train`` arguments to a trainer, which
returns a :class:`ModelFutureBase` to poll, wait on, cancel and load.
"""
from __future__ import annotations

import abc
import dataclasses
import datetime
import os
from typing import Any, List, Optional

from ..exceptions import CaikitCoreException, CaikitCoreStatusCode
from ..toolkit.factory import FactoryConstructible
from ._training_ids import path_part, trainer_name_from_id

__all__ = [
    "ModelFutureBase",
    "ModelTrainerBase",
    "TrainingCanceledError",
    "TrainingInfo",
    "UnknownTrainingError",
    "final_save_path",
]


class UnknownTrainingError(CaikitCoreException, LookupError):
    """No training has this id (never started here, or purged after its retention)."""

    def __init__(self, training_id: Any):
        super().__init__(CaikitCoreStatusCode.NOT_FOUND, f"Unknown training_id: {training_id}")
        self.training_id = training_id

    def __reduce__(self):
        return (type(self), (self.training_id,))


class TrainingCanceledError(RuntimeError):
    """``load()`` was called on a training that was cancelled."""

    def __init__(self, training_id: str):
        super().__init__(f"Training {training_id!r} was canceled: there is no model to load")
        self.training_id = training_id


@dataclasses.dataclass
class TrainingInfo:
    """A snapshot of a training's state.

    Attributes:
        status: a :class:`caikit.core.data_model.JobStatus`
        errors: what the training raised (ERRORED only)
        submission_timestamp: when it was submitted (UTC)
        completion_timestamp: when it reached a terminal state (UTC), else None
    """

    status: Any
    errors: Optional[List[BaseException]] = None
    submission_timestamp: Optional[datetime.datetime] = None
    completion_timestamp: Optional[datetime.datetime] = None

    @property
    def reasons(self) -> List[str]:
        """The errors as strings (what a status response reports)."""
        return [str(error) for error in self.errors or []]


class ModelFutureBase(abc.ABC):
    """A handle on one training.

    Subclasses implement :meth:`get_info`, :meth:`cancel`, :meth:`wait` and :meth:`load`;
    the convenience properties read :meth:`get_info`.
    """

    def __init__(self, training_id: str, save_path: Optional[str]):
        self._id = training_id
        self._save_path = save_path

    @property
    def id(self) -> str:
        """The training id (what ``ModelManager.get_model_future`` takes)."""
        return self._id

    @property
    def save_path(self) -> Optional[str]:
        """Where the trained model is saved (None: not saved)."""
        return self._save_path

    @abc.abstractmethod
    def get_info(self) -> TrainingInfo:
        """The current state."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop the training; nothing is saved. No-op when it already finished."""

    @abc.abstractmethod
    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the training reaches a terminal state.

        Raises:
            TimeoutError: ``timeout`` seconds passed first
        """

    @abc.abstractmethod
    def load(self) -> Any:
        """Wait, then return the trained model.

        Raises:
            TrainingCanceledError: the training was cancelled
            Exception: whatever the training raised, if it failed
        """

    # -- conveniences -----------------------------------------------------------------------

    @property
    def status(self) -> Any:
        """The current :class:`JobStatus`."""
        return self.get_info().status

    @property
    def reasons(self) -> List[str]:
        """Why the training failed (empty unless ERRORED)."""
        return self.get_info().reasons

    @property
    def submission_timestamp(self) -> Optional[datetime.datetime]:
        """When the training was submitted."""
        return self.get_info().submission_timestamp

    @property
    def completion_timestamp(self) -> Optional[datetime.datetime]:
        """When the training finished, or None."""
        return self.get_info().completion_timestamp

    def result(self) -> Any:
        """Same as :meth:`load` (``concurrent.futures.Future`` style)."""
        return self.load()


_Future = ModelFutureBase


class ModelTrainerBase(FactoryConstructible):
    """Base class of trainers.

    Subclasses set ``name`` (their entry-point name) and implement :meth:`train` and
    :meth:`get_model_future`.
    """

    ModelFutureBase = ModelFutureBase

    def __init__(self, config: Any, instance_name: str):
        """
        Args:
            config: the ``config`` section of the trainer's config blob
            instance_name: the name the trainer is configured under
        """
        self._config = config
        self._instance_name = instance_name

    @property
    def instance_name(self) -> str:
        """The name this trainer is configured under."""
        return self._instance_name

    @abc.abstractmethod
    def train(
        self,
        module_class: Any,
        *args: Any,
        save_path: Optional[str] = None,
        save_with_id: bool = False,
        external_training_id: Optional[str] = None,
        model_name: Optional[str] = None,
        **kwargs: Any,
    ) -> _Future:
        """Start ``module_class.train(*args, **kwargs)`` and save the result.

        Args:
            module_class: a ``@module`` class
            save_path: where to save the model (None: do not save)
            save_with_id: put the training id in the path (``<save_path>/<id>/<model_name>``)
            external_training_id: use this id instead of generating one
            model_name: appended to ``save_path`` unless it already ends with it

        Returns:
            the training's future
        """

    @abc.abstractmethod
    def get_model_future(self, training_id: str) -> _Future:
        """The future of a training started by this trainer.

        Raises:
            UnknownTrainingError: no such training (NOT_FOUND)
        """

    @staticmethod
    def get_trainer_name(training_id: str) -> Optional[str]:
        """The trainer instance name encoded in a generated training id, or None."""
        return trainer_name_from_id(training_id)


def final_save_path(
    save_path: Optional[str], save_with_id: bool, training_id: str, model_name: Optional[str]
) -> Optional[str]:
    """Where a training saves: ``save_path[/<training id>][/<model_name>]``.

    A ``save_path`` that already ends with ``model_name`` is not extended twice (the id goes
    before the name); the id is not added when it is already a component of the path.
    """
    if save_path is None:
        return None
    base = os.path.normpath(os.fspath(save_path))
    if model_name and os.path.basename(base) == model_name:
        base = os.path.dirname(base)
    id_part = path_part(training_id)
    if save_with_id and id_part not in os.path.normpath(os.fspath(save_path)).split(os.sep):
        base = os.path.join(base, id_part) if base else id_part
    if model_name:
        base = os.path.join(base, model_name) if base else model_name
    return base
