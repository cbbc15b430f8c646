"""The runtime's model manager: which models are served, and loading them.

Transport-neutral; both servers share the process-wide instance from
:func:`get_model_manager`. Every failure is a
:class:`~caikit.runtime.errors.CaikitRuntimeException` with the code the client should see.

API:

* ``retrieve_model(model_id)`` -- the model to run (the request path; a dict lookup when the
  model is loaded). Unknown ids are loaded lazily from ``local_models_dir`` when
  ``runtime.lazy_load_local_models`` is on.
* ``load_model(model_id, path, model_type, wait)`` / ``unload_model(model_id)``
* ``deploy_model(model_id, files)`` / ``undeploy_model(model_id)`` -- write / delete a model
  directory under ``local_models_dir`` and (un)load it
* ``sync_local_models(wait)`` -- load new entries of ``local_models_dir``, unload vanished ones
* ``get_model_size(model_id)`` / ``estimate_model_size(path, model_type)`` -- ModelMesh sizing
* ``loaded_models()`` / ``get_loaded_model(model_id)`` -- for info endpoints
* ``boot()`` / ``shutdown()``

A model whose ``runtime.batching`` section asks for it gets a :class:`~.batcher.Batcher` when
its load succeeds (before any request can see it); unloading, undeploying or shutting down
closes it (calls still waiting for a batch get UNAVAILABLE).

Model ids always name one entry directly inside ``local_models_dir``
(:mod:`.model_ids`); nothing outside that directory is read, written or deleted on behalf of an
id or a deployed file name.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..errors import CaikitRuntimeException, StatusCode
from . import core_loader
from .batcher import batch_settings, check_batching_config, install_batcher
from .loaded_model import DEFAULT_MODEL_TYPE, LoadedModel
from .model_ids import InvalidModelIdError, check_model_id, model_dir_path

__all__ = ["ModelManager", "get_model_manager", "reset_model_manager"]

log = logging.getLogger("caikit.runtime.models")


class ModelManager:
    """Holds the served models of one process.

    Args:
        runtime_config: the ``runtime`` config section (default: the current config's)
        model_mesh_config: the ``inference_plugin.model_mesh`` section

    Raises:
        ValueError: lazy loading is on but ``local_models_dir`` is not a directory
    """

    def __init__(self, runtime_config: Any = None, model_mesh_config: Any = None):
        if runtime_config is None or model_mesh_config is None:
            from caikit.config import get_config

            config = get_config()
            runtime_config = runtime_config or config.runtime
            model_mesh_config = model_mesh_config or (config.inference_plugin or {}).get("model_mesh") or {}
        self._config = runtime_config
        self._mm_config = model_mesh_config
        models_dir = runtime_config.local_models_dir or ""
        self.models_dir = os.path.abspath(models_dir) if models_dir else ""
        self._models_dir_setting = str(models_dir)
        self.lazy_load = bool(runtime_config.lazy_load_local_models)
        if self.lazy_load and not (self.models_dir and os.path.isdir(self.models_dir)):
            raise ValueError(
                "value check failed: runtime.local_models_dir must be a valid path if set with "
                f"runtime.lazy_load_local_models. Provided path: {models_dir}"
            )
        self.load_new_local_models = bool(runtime_config.load_new_local_models)
        self._retries = int(runtime_config.lazy_load_retries or 0)
        self._poll_period = float(runtime_config.lazy_load_poll_period_seconds or 10)
        self._write_window = float(runtime_config.lazy_load_write_detection_period_seconds or 0)
        self._load_threads = runtime_config.load_threads
        getter = getattr(runtime_config, "get", None)
        self._load_timeout = float((getter("load_timeout_seconds") if getter else None) or 0)
        self._batching = (getter("batching") if getter else None) or {}
        check_batching_config(self._batching)
        self._models: Dict[str, LoadedModel] = {}
        self._failed: Dict[str, LoadedModel] = {}
        # loads running now (entry -> monotonic start), and loads failed by the timeout whose
        # thread is still running (a new load of that id waits until it returns)
        self._running: Dict[LoadedModel, float] = {}
        self._hung: Dict[str, LoadedModel] = {}
        self._watchdog: Optional[threading.Thread] = None
        self._lock = threading.RLock()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._stop = threading.Event()
        self._poller: Optional[threading.Thread] = None

    # -- lifecycle --------------------------------------------------------------------------

    def boot(self) -> None:
        """Load what ``local_models_dir`` holds (waiting if ``wait_for_initial_model_loads``)
        and start the periodic sync when lazy loading is on."""
        if self.models_dir and os.path.isdir(self.models_dir):
            # nothing is expected to be writing models at boot: no write detection (it sleeps)
            self.sync_local_models(
                wait=bool(self._config.wait_for_initial_model_loads), load=True, detect_writes=False
            )
        if self.lazy_load and self._poll_period > 0 and self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="caikit-model-sync", daemon=True)
            self._poller.start()

    def shutdown(self) -> None:
        """Stop the periodic sync, the load threads and the batchers (models stay in memory;
        calls waiting for a batch get UNAVAILABLE)."""
        self._stop.set()
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.join(timeout=5)
        with self._lock:
            batchers = [e.batcher for e in self._models.values() if e.batcher is not None]
        for batcher in batchers:
            batcher.close(f"The runtime is shutting down: model {batcher.model_id} no longer serves")
        deadline = time.monotonic() + 2
        for batcher in batchers:
            batcher.join(max(0.0, deadline - time.monotonic()))
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_period):
            try:
                self.sync_local_models(wait=False, load=self.load_new_local_models)
            except Exception:
                log.exception("Periodic sync of %s failed", self.models_dir)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                workers = self._load_threads or min(8, (os.cpu_count() or 1) + 1)
                self._pool = ThreadPoolExecutor(max_workers=int(workers), thread_name_prefix="caikit-load")
            return self._pool

    # -- the request path -------------------------------------------------------------------

    def retrieve_model(self, model_id: str) -> Any:
        """The model to run for ``model_id``.

        Raises:
            CaikitRuntimeException: NOT_FOUND (unknown, or its lazy load failed),
                INVALID_ARGUMENT (an id that cannot name a model)
        """
        entry = self._models.get(model_id)
        if entry is not None:
            instance = entry.instance
            if instance is not None:
                return instance
            return self._wait_for(entry)
        return self._retrieve_unknown(model_id)

    def _wait_for(self, entry: LoadedModel) -> Any:
        try:
            return entry.wait()
        except CaikitRuntimeException:
            raise
        except Exception as err:
            raise CaikitRuntimeException(
                StatusCode.NOT_FOUND, f"Model {entry.id} not found. Nested error: {err}"
            ) from err

    def _retrieve_unknown(self, model_id: str) -> Any:
        if not self.lazy_load:
            raise CaikitRuntimeException(StatusCode.NOT_FOUND, f"Model '{model_id}' not loaded")
        path = self._local_path(model_id)
        if not os.path.exists(path):
            if not core_loader.finders_accept_bare_ids():
                raise CaikitRuntimeException(
                    StatusCode.NOT_FOUND,
                    f"Model {model_id} not found. Nested error: Module load path `{model_id}` "
                    "does not contain a `config.yml` file.",
                )
            # An "ephemeral" finder (e.g. REMOTE) resolves the id itself.
            path = model_id
        attempts_left = self._retries + 1
        while True:
            entry = self.load_model(model_id, path, wait=False, local=path != model_id)
            try:
                return self._wait_for(entry)
            except CaikitRuntimeException:
                # forget the failed attempt so that a later request tries again
                with self._lock:
                    if self._models.get(model_id) is entry:
                        del self._models[model_id]
                attempts_left -= 1
                if attempts_left <= 0:
                    raise

    # -- loading and unloading --------------------------------------------------------------

    def _local_path(self, model_id: str) -> str:
        if not self.models_dir:
            raise CaikitRuntimeException(
                StatusCode.NOT_FOUND, f"Model '{model_id}' not loaded (no runtime.local_models_dir)"
            )
        try:
            return model_dir_path(self.models_dir, model_id)
        except InvalidModelIdError as err:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, str(err)) from err

    def load_model(
        self,
        model_id: str,
        path: str,
        model_type: str = DEFAULT_MODEL_TYPE,
        wait: bool = True,
        local: bool = False,
    ) -> LoadedModel:
        """Load the model at ``path`` under ``model_id`` (a no-op if the id is already held).

        Args:
            model_id: the id to serve it under (checked with :func:`check_model_id`)
            path: where the model is (callers check it against ``local_models_dir``)
            model_type: ModelMesh model type (recorded)
            wait: block until loaded
            local: it came from ``local_models_dir``

        Raises:
            CaikitRuntimeException: INVALID_ARGUMENT (bad id); with ``wait``, NOT_FOUND when
                the load fails
        """
        try:
            check_model_id(model_id)
        except InvalidModelIdError as err:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, str(err)) from err
        with self._lock:
            entry = self._models.get(model_id)
            if entry is None:
                entry = self._hung.get(model_id)
            if entry is None:
                entry = LoadedModel(model_id, path, model_type, local, self._display_path(path))
                self._models[model_id] = entry
                self._failed.pop(model_id, None)
                self._executor().submit(self._do_load, entry)
                self._start_watchdog()
        if wait:
            self._wait_for(entry)
        return entry

    def _display_path(self, path: str) -> str:
        if self.models_dir and os.path.dirname(os.path.abspath(path)) == self.models_dir:
            return os.path.join(self._models_dir_setting, os.path.basename(path))
        return path

    def _do_load(self, entry: LoadedModel) -> None:
        started = time.perf_counter()
        with self._lock:
            self._running[entry] = time.monotonic()
        try:
            model = core_loader.load(entry.path)
        except BaseException as err:
            log.warning("Loading model %r from %r failed: %r", entry.id, entry.path, err)
            with self._lock:
                self._loaded_or_late(entry)
                if not entry.future.done():
                    self._failed[entry.id] = entry
                    entry.set_error(err)
            return
        with self._lock:
            self._loaded_or_late(entry)
            late = entry.future.done()
            if not late:
                entry.batcher = self._batcher_for(entry, model)
                entry.set_result(model)
        if late:
            log.warning("Model %r finished loading after its load timed out; it is not served", entry.id)
            return
        log.info(
            "Loaded model %r (%s) in %.3fs", entry.id, type(model).__name__, time.perf_counter() - started
        )

    def _batcher_for(self, entry: LoadedModel, model: Any) -> Any:
        """The batcher ``runtime.batching`` gives the model, if any (installed on it)."""
        settings = batch_settings(self._batching, entry.model_type, getattr(model, "MODULE_ID", None))
        if settings.size < 2:
            return None
        from ..metrics import get_metrics

        try:
            return install_batcher(model, entry.id, settings, get_metrics().observe_batch)
        except Exception:
            log.exception("Model %r is served without batching: its batcher could not be set up", entry.id)
            return None

    @staticmethod
    def _stop_batching(entry: Optional[LoadedModel], why: str) -> None:
        if entry is not None and entry.batcher is not None:
            entry.batcher.close(f"Model {entry.id} {why} while the call waited for its batch")

    def _loaded_or_late(self, entry: LoadedModel) -> None:
        # called with the lock held when a load returns
        self._running.pop(entry, None)
        if self._hung.get(entry.id) is entry:
            del self._hung[entry.id]

    # -- load timeout -----------------------------------------------------------------------

    def _start_watchdog(self) -> None:
        # called with the lock held
        if self._load_timeout > 0 and self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch_loads, name="caikit-load-watchdog", daemon=True)
            self._watchdog.start()

    def _watch_loads(self) -> None:
        interval = min(1.0, self._load_timeout / 4)
        while not self._stop.wait(interval):
            self.fail_late_loads()

    def fail_late_loads(self) -> None:
        """Fail every load running for longer than ``runtime.load_timeout_seconds``.

        The load's thread cannot be stopped; until it returns, loading the same id again
        reports the same failure instead of starting another thread.
        """
        if self._load_timeout <= 0:
            return
        now = time.monotonic()
        failed = []
        with self._lock:
            for entry, began in list(self._running.items()):
                if now - began <= self._load_timeout or entry.future.done():
                    continue
                err = TimeoutError(
                    f"Loading model {entry.id!r} did not finish within {self._load_timeout:g} s "
                    "(runtime.load_timeout_seconds)"
                )
                self._failed[entry.id] = entry
                self._hung[entry.id] = entry
                entry.set_error(err)
                failed.append(entry.id)
        for model_id in failed:
            log.warning("Loading model %r timed out after %g s", model_id, self._load_timeout)

    def unload_model(self, model_id: str) -> LoadedModel:
        """Stop serving ``model_id``.

        Raises:
            CaikitRuntimeException: NOT_FOUND if it is not held
        """
        with self._lock:
            entry = self._models.pop(model_id, None)
            self._failed.pop(model_id, None)
        if entry is None:
            raise CaikitRuntimeException(StatusCode.NOT_FOUND, f"Model '{model_id}' not loaded")
        self._stop_batching(entry, "was unloaded")
        log.info("Unloaded model %r", model_id)
        return entry

    def sync_local_models(self, wait: bool = False, load: bool = True, detect_writes: bool = True) -> None:
        """Load entries of ``local_models_dir`` not yet held (if ``load``) and unload local
        models whose entry disappeared.

        With ``detect_writes``, entries whose size still changes within
        ``runtime.lazy_load_write_detection_period_seconds`` are being written and are skipped
        until a later sync.
        """
        if not self.models_dir or not os.path.isdir(self.models_dir):
            return
        try:
            names = set(os.listdir(self.models_dir))
        except OSError as err:
            log.warning("Cannot list %s: %s", self.models_dir, err)
            return
        with self._lock:
            vanished = [m for m, e in self._models.items() if e.local and m not in names]
        for model_id in vanished:
            try:
                self.unload_model(model_id)
            except CaikitRuntimeException:
                pass
        if not load:
            return
        new: List[Tuple[str, str]] = []
        for name in sorted(names):
            if name in self._models or name in self._failed or name.startswith("."):
                continue
            try:
                path = model_dir_path(self.models_dir, name)
            except InvalidModelIdError as err:
                log.warning("Skipping %r in %s: %s", name, self.models_dir, err)
                continue
            new.append((name, path))
        if detect_writes and self._write_window > 0 and new:
            sizes = {name: _entry_size(path) for name, path in new}
            time.sleep(self._write_window)
            new = [(n, p) for n, p in new if _entry_size(p) == sizes[n]]
        entries = [self.load_model(name, path, wait=False, local=True) for name, path in new]
        if wait:
            for entry in entries:
                try:
                    entry.wait()
                except Exception:
                    pass

    # -- deploy / undeploy ------------------------------------------------------------------

    def deploy_model(self, model_id: str, files: Iterable[Tuple[str, bytes]]) -> LoadedModel:
        """Write ``files`` into ``local_models_dir/<model_id>/`` and start loading it.

        Args:
            model_id: the new model's id
            files: ``(relative file name, content)`` pairs

        Raises:
            CaikitRuntimeException: INVALID_ARGUMENT (bad id, no files, a file name that is
                blank, absolute or leaves the model directory), ALREADY_EXISTS (the id is
                served or its directory exists), FAILED_PRECONDITION (no models directory)
        """
        if not self.models_dir:
            raise CaikitRuntimeException(
                StatusCode.FAILED_PRECONDITION, "Cannot deploy models: runtime.local_models_dir is not set"
            )
        files = list(files)
        if not files:
            raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, "Must provide at least one model file")
        target = self._local_path(model_id)
        planned = []
        for name, data in files:
            planned.append((_checked_file_path(target, name), data))
        with self._lock:
            if model_id in self._models or os.path.lexists(target):
                raise CaikitRuntimeException(StatusCode.ALREADY_EXISTS, f"Model {model_id} already exists")
            os.makedirs(self.models_dir, exist_ok=True)
            staging = os.path.join(self.models_dir, f".deploy-{model_id}-{os.getpid()}-{threading.get_ident()}")
            try:
                for rel_path, data in planned:
                    full = os.path.join(staging, rel_path)
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, "wb") as handle:
                        handle.write(data)
                os.rename(staging, target)
            except OSError as err:
                shutil.rmtree(staging, ignore_errors=True)
                raise CaikitRuntimeException(StatusCode.INTERNAL, f"Cannot write model {model_id}: {err}") from err
            return self.load_model(model_id, target, wait=False, local=True)

    def undeploy_model(self, model_id: str) -> None:
        """Unload ``model_id`` and delete its entry of ``local_models_dir``.

        Raises:
            CaikitRuntimeException: INVALID_ARGUMENT (bad id), NOT_FOUND (neither served nor
                on disk)
        """
        target = self._local_path(model_id) if self.models_dir else None
        with self._lock:
            held = self._models.pop(model_id, None)
            self._failed.pop(model_id, None)
            on_disk = target is not None and os.path.lexists(target)
            if held is None and not on_disk:
                raise CaikitRuntimeException(StatusCode.NOT_FOUND, f"Cannot undeploy unknown model {model_id}")
            if on_disk:
                _remove_entry(target, self.models_dir)
        self._stop_batching(held, "was undeployed")
        log.info("Undeployed model %r", model_id)

    # -- sizes and info ---------------------------------------------------------------------

    def _multiplier(self, model_type: str) -> float:
        multipliers = self._mm_config.get("model_size_multipliers") or {}
        return float(multipliers.get(model_type) or self._mm_config.get("default_model_size_multiplier") or 10)

    def estimate_model_size(self, path: str, model_type: str = DEFAULT_MODEL_TYPE) -> int:
        """ModelMesh's size estimate: bytes on disk x the type's multiplier (default size if 0)."""
        from .loaded_model import disk_usage

        size = int(disk_usage(path) * self._multiplier(model_type))
        return size or int(self._mm_config.get("default_model_size") or 0)

    def get_model_size(self, model_id: str) -> int:
        """The size of a held model.

        Raises:
            CaikitRuntimeException: NOT_FOUND if ``model_id`` is not held
        """
        entry = self._models.get(model_id)
        if entry is None:
            raise CaikitRuntimeException(
                StatusCode.NOT_FOUND,
                f"Unable to retrieve the size of model '{model_id}'; it is unregistered or unloaded.",
            )
        size = int(entry.disk_size() * self._multiplier(entry.model_type))
        return size or int(self._mm_config.get("default_model_size") or 0)

    def loaded_models(self) -> List[LoadedModel]:
        """Every held model (loading or loaded) plus failed loads, by id."""
        with self._lock:
            merged = dict(self._failed)
            merged.update(self._models)
        return [merged[k] for k in sorted(merged)]

    def holds(self, model_id: str) -> bool:
        """Whether ``model_id`` is held (loading or loaded)."""
        return model_id in self._models

    def get_loaded_model(self, model_id: str) -> Optional[LoadedModel]:
        """The entry of ``model_id`` (held or failed), if any."""
        return self._models.get(model_id) or self._failed.get(model_id)

    def loaded_count(self) -> int:
        """How many models are loaded and ready."""
        return sum(1 for e in list(self._models.values()) if e.loaded)


def _entry_size(path: str) -> int:
    from .loaded_model import disk_usage

    return disk_usage(path)


def _checked_file_path(model_dir: str, name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Invalid model file name {name!r}: must not be blank")
    if "\x00" in name or os.path.isabs(name) or name.startswith(("/", "\\")):
        raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Invalid model file name {name!r}: must be a relative path")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise CaikitRuntimeException(
            StatusCode.INVALID_ARGUMENT, f"Invalid model file name {name!r}: must stay inside the model directory"
        )
    return os.path.join(*parts)


def _remove_entry(path: str, models_dir: str) -> None:
    """Delete one entry of the models directory; a symlink is unlinked, never followed."""
    if os.path.dirname(os.path.abspath(path)) != os.path.abspath(models_dir):
        raise CaikitRuntimeException(StatusCode.INVALID_ARGUMENT, f"Refusing to delete {path!r}")
    try:
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        else:
            shutil.rmtree(path)
    except OSError as err:
        raise CaikitRuntimeException(StatusCode.INTERNAL, f"Cannot delete {path!r}: {err}") from err


_MANAGER: Optional[ModelManager] = None
_MANAGER_LOCK = threading.Lock()


def get_model_manager() -> ModelManager:
    """The process-wide model manager (created from the current config on first use)."""
    global _MANAGER
    if _MANAGER is None:
        with _MANAGER_LOCK:
            if _MANAGER is None:
                _MANAGER = ModelManager()
    return _MANAGER


def reset_model_manager() -> None:
    """Shut down and forget the process-wide model manager (tests, re-configuration)."""
    global _MANAGER
    with _MANAGER_LOCK:
        manager, _MANAGER = _MANAGER, None
    if manager is not None:
        manager.shutdown()
