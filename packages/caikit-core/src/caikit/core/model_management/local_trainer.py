"""The LOCAL trainer: trains in a thread (or a subprocess) of this process.

Configuration::

    model_management:
      trainers:
        default:
          type: LOCAL
          config:
            # Finished trainings (and their saved output) are purged after this long; null keeps them
            retention_duration: 1d
            # Train in a subprocess instead of a thread
            use_subprocess: false
            # How to start that subprocess: spawn, fork or forkserver
            subprocess_start_method: spawn

In subprocess mode the module class and the ``train`` arguments are pickled to the child, so
they must be importable / picklable; the child reads configuration from the environment and
``CONFIG_FILES`` (not from ``caikit.configure`` calls made in the parent).
"""
from __future__ import annotations

import multiprocessing
import threading
from typing import Any, Dict, Optional

from ._durations import parse_duration
from ._training_ids import make_training_id
from .local_future import LocalModelFuture, _now
from .model_trainer_base import ModelTrainerBase, UnknownTrainingError, final_save_path

__all__ = ["LocalModelTrainer"]


class LocalModelTrainer(ModelTrainerBase):
    """Trains modules locally and keeps their futures until the retention expires."""

    name = "LOCAL"
    ModelFuture = LocalModelFuture

    def __init__(self, config: Any, instance_name: str):
        """
        Raises:
            ValueError: an invalid ``retention_duration`` or ``subprocess_start_method``
        """
        super().__init__(config, instance_name)
        config = config or {}
        self._retention = parse_duration(config.get("retention_duration"))
        self._use_subprocess = bool(config.get("use_subprocess") or False)
        self._start_method = config.get("subprocess_start_method") or "spawn"
        if self._start_method not in multiprocessing.get_all_start_methods():
            raise ValueError(
                f"Invalid subprocess_start_method {self._start_method!r} for trainer "
                f"{instance_name!r}: expected one of {multiprocessing.get_all_start_methods()}"
            )
        self._futures: Dict[str, LocalModelFuture] = {}
        self._lock = threading.Lock()

    @property
    def use_subprocess(self) -> bool:
        """Whether trainings run in subprocesses."""
        return self._use_subprocess

    def train(
        self,
        module_class: type,
        *args: Any,
        save_path: Optional[str] = None,
        save_with_id: bool = False,
        external_training_id: Optional[str] = None,
        model_name: Optional[str] = None,
        **kwargs: Any,
    ) -> LocalModelFuture:
        """Start ``module_class.train(*args, **kwargs)`` and save it to the final save path.

        Returns:
            the running training's future (a failure of ``train`` shows as ERRORED on it)

        Raises:
            TypeError: ``module_class`` is not a ``@module`` class
            ValueError: ``external_training_id`` is already in use
        """
        from ..modules.base import ModuleBase

        if not (isinstance(module_class, type) and issubclass(module_class, ModuleBase)) or not getattr(
            module_class, "MODULE_ID", None
        ):
            raise TypeError(f"train() needs a @module class, got {module_class!r}")
        self.purge_expired()
        training_id = make_training_id(self.instance_name, external_training_id)
        future = self.ModelFuture(
            training_id,
            module_class,
            args,
            kwargs,
            final_save_path(save_path, save_with_id, training_id, model_name),
            use_subprocess=self._use_subprocess,
            subprocess_start_method=self._start_method,
        )
        with self._lock:
            if training_id in self._futures:
                raise ValueError(f"Training id {training_id!r} is already in use")
            self._futures[training_id] = future
        future.start()
        return future

    def get_model_future(self, training_id: str) -> LocalModelFuture:
        """The future of a training started here.

        Raises:
            UnknownTrainingError: unknown or purged id (NOT_FOUND, "Unknown training_id: <id>")
        """
        self.purge_expired()
        with self._lock:
            future = self._futures.get(training_id)
        if future is None:
            raise UnknownTrainingError(training_id)
        return future

    def purge_expired(self) -> int:
        """Forget trainings finished more than ``retention_duration`` ago and delete their
        saved output.

        Returns:
            how many were purged
        """
        if self._retention is None:
            return 0
        cutoff = _now() - self._retention
        with self._lock:
            expired = [
                fid for fid, future in self._futures.items()
                if future.completion_time is not None and future.completion_time <= cutoff
            ]
            purged = [self._futures.pop(fid) for fid in expired]
        for future in purged:
            future.delete_result()
        return len(purged)
