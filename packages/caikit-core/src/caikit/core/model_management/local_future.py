"""LocalModelFuture: one training running in a thread or a subprocess of this process.

State machine (JobStatus): QUEUED -> RUNNING -> COMPLETED | ERRORED, or -> CANCELED from any
non-terminal state. A monitor thread waits for the worker and records the outcome; ``cancel``
destroys the worker, waits until both it and the monitor are gone and removes whatever the
training had started to save (only when the save path did not exist before the training).
"""
from __future__ import annotations

import datetime
import os
import shutil
import threading
from typing import Any, Dict, List, Optional, Sequence

import alog

from ... import config
from ..toolkit.concurrency import DestroyableProcess, DestroyableThread
from ._training_worker import train_and_save
from .model_trainer_base import ModelFutureBase, TrainingCanceledError, TrainingInfo

__all__ = ["LocalModelFuture"]

log = alog.use_channel("LOC-TRNR")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class LocalModelFuture(ModelFutureBase):
    """A training of a module class in a local thread or subprocess."""

    def __init__(
        self,
        training_id: str,
        module_class: type,
        args: Sequence[Any],
        kwargs: Dict[str, Any],
        save_path: Optional[str],
        use_subprocess: bool = False,
        subprocess_start_method: str = "spawn",
    ):
        """Create the future; call :meth:`start` to launch the training.

        Args:
            training_id: the id
            module_class: the ``@module`` class to train
            args, kwargs: the arguments of its ``train``
            save_path: the final save path (None: keep the model in memory)
            use_subprocess: train in a subprocess instead of a thread
            subprocess_start_method: ``spawn`` (default), ``fork`` or ``forkserver``
        """
        from ..data_model import JobStatus

        super().__init__(training_id, save_path)
        self._JobStatus = JobStatus
        self._module_class = module_class
        self._args = tuple(args)
        self._kwargs = dict(kwargs)
        self._use_subprocess = bool(use_subprocess)
        self._start_method = subprocess_start_method
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._status = JobStatus.QUEUED
        self._errors: List[BaseException] = []
        self._submitted = _now()
        self._completed: Optional[datetime.datetime] = None
        self._model: Any = None
        self._worker: Any = None
        self._monitor: Optional[threading.Thread] = None
        self._save_path_existed = save_path is not None and os.path.exists(save_path)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Launch the worker and its monitor. A failure to launch makes the training ERRORED."""
        try:
            if self._use_subprocess:
                self._worker = DestroyableProcess(
                    self._start_method,
                    train_and_save,
                    self._module_class,
                    self._args,
                    self._kwargs,
                    self._save_path,
                    self._save_path is None,
                    config.snapshot(),
                )
            else:
                self._worker = DestroyableThread(
                    train_and_save,
                    self._module_class,
                    self._args,
                    self._kwargs,
                    self._save_path,
                    True,
                    name=f"caikit-training-{self.id}",
                )
            self._worker.start()
        except Exception as err:  # e.g. arguments that cannot be pickled for a subprocess
            log.warning("Training %s could not start: %r", self.id, err)
            self._finish(self._JobStatus.ERRORED, [err])
            return
        self._monitor = threading.Thread(
            target=self._watch, name=f"caikit-training-monitor-{self.id}", daemon=True
        )
        self._monitor.start()

    def _watch(self) -> None:
        outcome_status = self._JobStatus.COMPLETED
        errors: List[BaseException] = []
        try:
            self._model = self._worker.get_or_throw()
        except BaseException as err:
            outcome_status, errors = self._JobStatus.ERRORED, [err]
        self._finish(outcome_status, errors)

    def _finish(self, status: Any, errors: List[BaseException]) -> None:
        with self._lock:
            if self._status.is_terminal:
                return  # cancelled meanwhile: that decision stands
            self._status = status
            self._errors = errors
            self._completed = _now()
        if errors:
            log.warning("Training %s failed: %s", self.id, errors[0])
        self._done.set()

    # -- ModelFutureBase --------------------------------------------------------------------

    def get_info(self) -> TrainingInfo:
        """The current state (RUNNING once the worker has started the training)."""
        with self._lock:
            status = self._status
            if status is self._JobStatus.QUEUED and self._worker is not None and self._worker.ran:
                status = self._JobStatus.RUNNING
            return TrainingInfo(
                status=status,
                errors=list(self._errors) or None,
                submission_timestamp=self._submitted,
                completion_timestamp=self._completed,
            )

    def cancel(self) -> None:
        """Stop the training: destroy the thread or kill the process, wait until it is gone and
        remove any output it wrote. No-op if the training already finished."""
        with self._lock:
            if self._status.is_terminal:
                return
            self._status = self._JobStatus.CANCELED
            self._completed = _now()
        log.info("Canceling training %s", self.id)
        try:
            if self._worker is not None:
                self._worker.destroy()
                self._worker.join()
            if self._monitor is not None and self._monitor is not threading.current_thread():
                self._monitor.join()
            self._model = None
            self._delete_output()
        finally:
            self._done.set()

    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the training is COMPLETED, ERRORED or CANCELED.

        Raises:
            TimeoutError: ``timeout`` seconds passed first
        """
        if not self._done.wait(timeout):
            raise TimeoutError(f"Training {self.id!r} did not finish within {timeout} s")

    def load(self) -> Any:
        """Wait, then return the trained model (from memory, or loaded from ``save_path``).

        Raises:
            TrainingCanceledError: the training was cancelled
            Exception: what the training raised, when it failed
        """
        self.wait()
        info = self.get_info()
        if info.status is self._JobStatus.CANCELED:
            raise TrainingCanceledError(self.id)
        if info.status is self._JobStatus.ERRORED:
            raise (info.errors or [RuntimeError(f"Training {self.id!r} failed")])[0]
        if self._model is not None:
            return self._model
        from ..model_manager import MODEL_MANAGER

        return MODEL_MANAGER.load(self._save_path)

    # -- retention --------------------------------------------------------------------------

    @property
    def completion_time(self) -> Optional[datetime.datetime]:
        """When the training reached a terminal state (UTC), or None."""
        return self._completed

    def delete_result(self) -> None:
        """Remove the saved model (used when the training is purged after its retention)."""
        self._model = None
        self._delete_output(force=True)

    def _delete_output(self, force: bool = False) -> None:
        path = self._save_path
        if not path or (self._save_path_existed and not force) or not os.path.lexists(path):
            return
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass
