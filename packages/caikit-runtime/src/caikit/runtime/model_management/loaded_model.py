"""One model the runtime holds: loading, loaded or failed.

:class:`LoadedModel` wraps the future of a load. The request path reads
:attr:`LoadedModel.instance` (a plain attribute, set once the load succeeded) and only falls
back to :meth:`LoadedModel.wait` while the model is still loading.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import Future
from typing import Any, Dict, Optional

__all__ = ["DEFAULT_MODEL_TYPE", "LoadedModel"]

#: The model type of models found in ``local_models_dir`` (ModelMesh's name for them).
DEFAULT_MODEL_TYPE = "standalone-model"


class LoadedModel:
    """A model id bound to the (future) result of loading it.

    Attributes:
        id: the model id
        path: where it was loaded from
        display_path: the same path as configured (relative paths stay relative)
        model_type: ModelMesh model type
        local: it came from ``local_models_dir`` (so a sync may unload it when it disappears)
        future: resolves to the model instance
        instance: the model once loaded, else None
        error: the exception the load raised, else None
        batcher: the model's :class:`~.batcher.Batcher` when its calls are batched, else None
    """

    __slots__ = ("_size", "batcher", "created", "display_path", "error", "future", "id", "instance", "local", "model_type", "path")

    def __init__(
        self,
        model_id: str,
        path: str,
        model_type: str = DEFAULT_MODEL_TYPE,
        local: bool = False,
        display_path: Optional[str] = None,
    ):
        self.id = model_id
        self.path = path
        # the path as configured (e.g. relative "models/greeter"), for info answers
        self.display_path = display_path or path
        self.model_type = model_type
        self.local = local
        self.future: Future = Future()
        self.instance: Any = None
        self.error: Optional[BaseException] = None
        self.batcher: Any = None
        self.created = time.time()
        self._size: Optional[int] = None

    # -- load lifecycle (called by the manager) --------------------------------------------

    def set_result(self, model: Any) -> None:
        """The load succeeded."""
        self.instance = model
        self.future.set_result(model)

    def set_error(self, err: BaseException) -> None:
        """The load failed."""
        self.error = err
        self.future.set_exception(err)

    # -- reading ----------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the model is ready to serve."""
        return self.instance is not None

    @property
    def loading(self) -> bool:
        """Whether the load is still running."""
        return not self.future.done()

    def wait(self, timeout: Optional[float] = None) -> Any:
        """The model, waiting for the load; raises what the load raised."""
        return self.future.result(timeout)

    @property
    def module_id(self) -> Optional[str]:
        """The ``MODULE_ID`` of the loaded model's class."""
        return getattr(self.instance, "MODULE_ID", None) if self.instance is not None else None

    @property
    def module_metadata(self) -> Dict[str, str]:
        """``{"name": ..., "version": ...}`` of the loaded model's module."""
        if self.instance is None:
            return {}
        meta = {}
        for key, attr in (("name", "MODULE_NAME"), ("version", "MODULE_VERSION")):
            value = getattr(self.instance, attr, None)
            if value is not None:
                meta[key] = str(value)
        return meta

    def disk_size(self) -> int:
        """Bytes the model occupies on disk (computed once, 0 if unknown)."""
        if self._size is None:
            self._size = disk_usage(self.path)
        return self._size


def disk_usage(path: str) -> int:
    """Total bytes of the regular files under ``path`` (not following symlinks)."""
    try:
        if os.path.isfile(path):
            return os.path.getsize(path)
        total = 0
        for root, _dirs, files in os.walk(path, followlinks=False):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    continue
        return total
    except OSError:
        return 0
