"""Start, follow and cancel trainings (transport-neutral).

API (both servers):

* ``TrainingManager.start_training(rpc, request)`` -> ``TrainingJob`` dataobject: validates
  the request, starts ``MODEL_MANAGER.train`` in the background and returns at once. The model
  is saved under ``runtime.training.output_dir`` / ``<training_id>`` (if
  ``runtime.training.save_with_id``) / ``<model_name>``.
* ``TrainingManager.get_status(training_id)`` / ``cancel(training_id)`` ->
  ``TrainingStatusResponse`` dataobject.
* ``TrainingManager.wait(training_id)`` -> the training's ``TrainingInfo`` once it finished
  (``processproto.Process/Run`` answers when its training has finished).

Errors are :class:`~caikit.runtime.errors.CaikitRuntimeException`: INVALID_ARGUMENT for a bad
model name, an S3 output path or bad parameters; NOT_FOUND ``"Unknown training_id: <id>"``.
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Callable, Optional

from .errors import CaikitRuntimeException, StatusCode, to_runtime_exception
from .model_management.model_ids import InvalidModelIdError, check_model_id, model_dir_path

__all__ = ["TrainingManager", "get_training_manager", "reset_training_manager"]

log = logging.getLogger("caikit.runtime.training")


def _model_manager() -> Any:
    from caikit.core.model_manager import MODEL_MANAGER

    return MODEL_MANAGER


def _s3_path_set(output_path: Any) -> bool:
    if output_path is None:
        return False
    return any(getattr(output_path, name, None) for name in ("path", "bucket", "endpoint"))


class TrainingManager:
    """Trainings of one process.

    Args:
        runtime_config: the ``runtime`` config section (default: the current config's)
    """

    def __init__(self, runtime_config: Any = None):
        if runtime_config is None:
            from caikit.config import get_config

            runtime_config = get_config().runtime
        training = runtime_config.training or {}
        output_dir = training.get("output_dir") or "training_output"
        self.output_dir = os.path.abspath(output_dir)
        self.save_with_id = training.get("save_with_id", True) is not False

    def start_training(
        self,
        rpc: Any,
        request: Any,
        output_dir: Optional[str] = None,
        training_id: Optional[str] = None,
        allow_unnamed: bool = False,
    ) -> Any:
        """Start training ``rpc.module_class`` as ``request`` (a TrainRequest dataobject) asks.

        Args:
            rpc: the :class:`~caikit.runtime.service_generation.training.TrainRPC`
            request: its request dataobject (``model_name``, ``output_path``, ``parameters``)
            output_dir: save under this directory instead of ``runtime.training.output_dir``
            training_id: the training id to use (default: a new uuid4); it is a directory
                name under the output directory, so it is checked as a model id is
            allow_unnamed: accept an empty ``model_name`` when the model is saved under its
                training id (``<output_dir>/<training_id>``; caikit 0.29.1's Process service)

        Returns:
            a ``TrainingJob`` dataobject (``training_id``, ``model_name``)

        Raises:
            CaikitRuntimeException: INVALID_ARGUMENT for a model name or training id that
                cannot be a directory name, a training id in use, an S3 output path, or
                parameters ``train`` cannot take
        """
        from caikit.interfaces.runtime.data_model import TrainingJob

        model_name = request.model_name or ""
        save_root = os.path.abspath(output_dir) if output_dir else self.output_dir
        try:
            if not (allow_unnamed and self.save_with_id and model_name == ""):
                check_model_id(model_name)
            if not self.save_with_id:
                # saved as <save_root>/<model_name>: an existing symlink there must not lead out
                model_dir_path(save_root, model_name)
        except InvalidModelIdError as err:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Invalid model_name: {err}") from err
        if training_id is not None:
            try:
                check_model_id(training_id)
            except InvalidModelIdError as err:
                raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Invalid training id: {err}") from err
        if _s3_path_set(getattr(request, "output_path", None)):
            raise CaikitRuntimeException(
                StatusCode.INVALID_ARGUMENT, "S3 output path not supported by this runtime"
            )
        try:
            kwargs = rpc.train_kwargs(request.parameters)
        except Exception as err:
            raise to_runtime_exception(err, f"{rpc.name} parameters") from err
        training_id = training_id or str(uuid.uuid4())
        try:
            future = _model_manager().train(
                rpc.module_class,
                save_path=save_root,
                save_with_id=self.save_with_id,
                external_training_id=training_id,
                model_name=model_name,
                wait=False,
                **kwargs,
            )
        except Exception as err:
            raise to_runtime_exception(err, f"starting {rpc.name}") from err
        log.info("Started training %s of %s as model %r", future.id, rpc.module_class.__name__, model_name)
        return TrainingJob(training_id=future.id, model_name=model_name)

    def _future(self, training_id: str) -> Any:
        if not training_id:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, "Missing required training_id")
        try:
            return _model_manager().get_model_future(training_id)
        except Exception as err:
            raise to_runtime_exception(err, "looking up a training") from err

    def wait(self, training_id: str, keep_waiting: Optional[Callable[[], bool]] = None) -> Any:
        """Wait until ``training_id`` has finished (or ``keep_waiting()`` turns false, checked
        every half second) and return its ``TrainingInfo`` (``status``, ``errors``).

        Raises:
            CaikitRuntimeException: NOT_FOUND ``Unknown training_id: <id>``
        """
        future = self._future(training_id)
        while True:
            try:
                future.wait(0.5)
                break
            except TimeoutError:
                if keep_waiting is not None and not keep_waiting():
                    break
        return future.get_info()

    def get_status(self, training_id: str) -> Any:
        """The ``TrainingStatusResponse`` of ``training_id``.

        Raises:
            CaikitRuntimeException: NOT_FOUND ``Unknown training_id: <id>``
        """
        future = self._future(training_id)
        return self._status_response(training_id, future.get_info())

    def cancel(self, training_id: str) -> Any:
        """Cancel ``training_id`` (a finished one keeps its state) and return its status.

        Raises:
            CaikitRuntimeException: NOT_FOUND ``Unknown training_id: <id>``
        """
        from caikit.core.data_model import JobStatus
        from caikit.interfaces.runtime.data_model import TrainingStatusResponse

        future = self._future(training_id)
        try:
            future.cancel()
        except Exception as err:
            mapped = to_runtime_exception(err, "cancelling a training")
            if mapped.code is StatusCode.NOT_FOUND:
                return TrainingStatusResponse(training_id=training_id, state=JobStatus.CANCELED, reasons=[])
            raise mapped from err
        info = future.get_info()
        if info.status is JobStatus.CANCELED:
            # the reference answers cancellations without timestamps
            return TrainingStatusResponse(training_id=training_id, state=JobStatus.CANCELED, reasons=[])
        return self._status_response(training_id, info)

    @staticmethod
    def _status_response(training_id: str, info: Any) -> Any:
        from caikit.core.data_model import JobStatus
        from caikit.interfaces.runtime.data_model import TrainingStatusResponse

        errored = info.status is JobStatus.ERRORED
        return TrainingStatusResponse(
            training_id=training_id,
            state=info.status,
            submission_timestamp=info.submission_timestamp,
            # as the reference: a failed training reports no completion time
            completion_timestamp=None if errored else info.completion_timestamp,
            reasons=list(info.reasons),
        )


_MANAGER: Optional[TrainingManager] = None


def get_training_manager() -> TrainingManager:
    """The process-wide training manager."""
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = TrainingManager()
    return _MANAGER


def reset_training_manager() -> None:
    """Forget the process-wide training manager (tests, re-configuration)."""
    global _MANAGER
    _MANAGER = None
