"""Usage metering (``runtime.metering``), compatible with caikit 0.29.1's files.

Each server (gRPC, HTTP) that starts with ``runtime.metering.enabled`` has its own
:class:`RPCMeter`: it counts the server's successful predict calls (all four flavours; a
streaming call counts once) per module class, and a daemon thread appends one JSON line per
``log_interval`` seconds to ``<log_dir>/predict_rpc_metrics_<container_id>.json``::

    {"timestamp": 1795276959.978032, "batch_size": 5, "model_type_counters": {"<class 'greeter_lib.Greeter'>": 4, "<class 'greeter_lib.Shouter'>": 1}, "container_id": "619a22ce_bbb8_474d_b20b_8064d68da938"}

``timestamp`` is the time of the write (Unix seconds), ``batch_size`` the calls of the
interval, ``model_type_counters`` those calls per ``str(type(model))``, ``container_id`` the
meter's UUID4 (``_`` for ``-``), also in the file name. Failed calls are not counted; an
interval without calls writes nothing; stopping the server writes the last partial interval.
This is what caikit 0.29.1 writes (``tests/fixtures/reference_metering.md``).

Counting rides on the per-request metrics hook: with metering on, a server gives its
handlers :class:`MeteredMetrics`, whose ``observe`` also counts the OK calls (a dictionary
lookup of the model and an increment under a lock); with metering off the handlers get the
metrics themselves and nothing is added to the request path.

Each write replaces the file atomically (the old lines and the new one are written to a
temporary file in ``log_dir``, then renamed over it), so a reader never sees half a line.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import uuid
from typing import Any, Callable, Dict, Mapping, Optional

__all__ = [
    "FILE_PREFIX",
    "MeteredMetrics",
    "MeteringConfigError",
    "MeteringSettings",
    "RPCMeter",
    "meter_for_server",
    "metering_settings",
]

log = logging.getLogger("caikit.runtime.metering")

#: Metering files are ``<FILE_PREFIX><container_id>.json`` (caikit 0.29.1's names)
FILE_PREFIX = "predict_rpc_metrics_"

_SECTION = "runtime.metering"


class MeteringConfigError(ValueError):
    """A ``runtime.metering`` setting that cannot be used (the message names the key)."""


class MeteringSettings:
    """The checked ``runtime.metering`` section."""

    __slots__ = ("enabled", "log_dir", "log_interval")

    def __init__(self, enabled: bool, log_dir: str, log_interval: float):
        self.enabled = enabled
        self.log_dir = log_dir
        self.log_interval = log_interval


def metering_settings(section: Optional[Mapping[str, Any]]) -> MeteringSettings:
    """Check the ``runtime.metering`` section.

    A disabled section is not checked further (as in caikit 0.29.1, whose other keys then
    mean nothing).

    Raises:
        MeteringConfigError: ``enabled`` is not a boolean; with metering on, ``log_interval``
            is not a number of seconds > 0 or ``log_dir`` is empty
    """
    section = section or {}
    enabled = section.get("enabled")
    if enabled is None:
        enabled = False
    if not isinstance(enabled, bool):
        raise MeteringConfigError(f"{_SECTION}.enabled must be true or false, got {enabled!r}")
    log_dir = section.get("log_dir")
    interval = section.get("log_interval")
    if not enabled:
        return MeteringSettings(False, str(log_dir or ""), 0.0)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
        raise MeteringConfigError(f"{_SECTION}.log_interval must be a number of seconds > 0, got {interval!r}")
    if not isinstance(log_dir, str) or not log_dir.strip():
        raise MeteringConfigError(f"{_SECTION}.log_dir must name a directory, got {log_dir!r}")
    return MeteringSettings(True, log_dir, float(interval))


def _writable_dir(log_dir: str) -> str:
    """Create ``log_dir`` if missing and prove it writable (a temporary file, removed)."""
    where = f"{_SECTION}.log_dir"
    path = os.path.abspath(log_dir)
    try:
        os.makedirs(path, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".metering-probe-", dir=path)
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        raise MeteringConfigError(
            f"{where}: cannot write metering files to {log_dir!r} ({path}): {err.strerror or err}"
        ) from err
    return path


class RPCMeter:
    """Counts of one server's successful predict calls, written every ``log_interval`` seconds.

    Args:
        log_dir: directory of the file (created here; :class:`MeteringConfigError` when it
            cannot be written)
        log_interval: seconds between writes
        get_loaded_model: model id -> the model manager's entry (``.instance``) or None
    """

    def __init__(self, log_dir: str, log_interval: float, get_loaded_model: Callable[[str], Any]):
        self.log_dir = _writable_dir(log_dir)
        self.log_interval = float(log_interval)
        self.container_id = str(uuid.uuid4()).replace("-", "_")
        self.path = os.path.join(self.log_dir, f"{FILE_PREFIX}{self.container_id}.json")
        self._get_loaded_model = get_loaded_model
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._counts: Dict[type, int] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -- the request path -------------------------------------------------------------------

    def count(self, model_id: str) -> None:
        """One successful call of ``model_id``, counted under its model's class."""
        entry = self._get_loaded_model(model_id)
        model = getattr(entry, "instance", None)
        if model is None:
            # unloaded between its answer and here (or never known): nothing to name it by
            log.warning("Metering: model %r is no longer loaded; its call is not counted", model_id)
            return
        cls = model.__class__
        with self._lock:
            counts = self._counts
            counts[cls] = counts.get(cls, 0) + 1

    def wrap(self, observe: Callable[[str, str, str, float], None]) -> Callable[[str, str, str, float], None]:
        """``observe`` of the metrics hook, also counting the calls that ended OK."""
        count = self.count

        def observe_and_count(rpc: str, code: str, model_id: str, seconds: float) -> None:
            observe(rpc, code, model_id, seconds)
            if code == "OK":
                count(model_id)

        return observe_and_count

    # -- writing ----------------------------------------------------------------------------

    def pending(self) -> int:
        """Calls counted and not yet written."""
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> Optional[Dict[str, Any]]:
        """Write the calls counted since the last write as one line; returns the record
        written (None when there was nothing to write). Counts are put back when the write
        fails, for the next one."""
        with self._write_lock:
            with self._lock:
                counts, self._counts = self._counts, {}
            if not counts:
                log.debug("No new RPCs to write, skipping metering logging")
                return None
            counters: Dict[str, int] = {}
            for cls, value in counts.items():
                key = str(cls)
                counters[key] = counters.get(key, 0) + value
            record = {
                "timestamp": time.time(),
                "batch_size": sum(counters.values()),
                "model_type_counters": counters,
                "container_id": self.container_id,
            }
            line = json.dumps(record)
            try:
                self._append(line + "\n")
            except OSError as err:
                with self._lock:
                    for cls, value in counts.items():
                        self._counts[cls] = self._counts.get(cls, 0) + value
                log.error("Metering: could not write %s (counts kept for the next write): %s", self.path, err)
                return None
            log.info("Wrote metering file %s: %s", self.path, line)
            return record

    def _append(self, line: str) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                before = handle.read()
        except FileNotFoundError:
            before = ""
        if before and not before.endswith("\n"):
            before += "\n"
        handle_fd, temp = tempfile.mkstemp(prefix=f".{FILE_PREFIX}", suffix=".tmp", dir=self.log_dir)
        try:
            with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
                handle.write(before + line)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, self.path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def thread(self) -> Optional[threading.Thread]:
        """The writer thread (None before :meth:`start`)."""
        return self._thread

    def start(self) -> None:
        """Start the writer thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="caikit-metering", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        # ticks on a fixed grid from the start, whatever each write takes
        interval = self.log_interval
        next_tick = time.monotonic() + interval
        while not self._stop.wait(max(0.0, next_tick - time.monotonic())):
            next_tick += interval
            if next_tick < time.monotonic():  # far behind (a suspended process): skip ticks
                next_tick = time.monotonic() + interval
            try:
                self.flush()
            except Exception:
                log.exception("Metering: write failed")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the writer thread and write the last partial interval."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.flush()


class MeteredMetrics:
    """The metrics as one server's handlers see them when metering is on: ``observe`` also
    counts; everything else is the metrics' own."""

    def __init__(self, metrics: Any, meter: RPCMeter):
        self._metrics = metrics
        self.meter = meter
        self.started = metrics.started
        self.observe = meter.wrap(metrics.observe)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._metrics, name)


def meter_for_server(runtime_config: Any, model_manager: Any) -> Optional[RPCMeter]:
    """A meter for one server, or None when ``runtime.metering.enabled`` is off.

    Raises:
        MeteringConfigError: a setting that cannot be used, or a ``log_dir`` that cannot be
            written (the message names the key and the path)
    """
    section = runtime_config.get("metering") if hasattr(runtime_config, "get") else None
    settings = metering_settings(section)
    if not settings.enabled:
        return None
    get_loaded_model = getattr(model_manager, "get_loaded_model", None)
    if get_loaded_model is None:
        raise TypeError(f"metering needs a model manager with get_loaded_model, got {type(model_manager)}")
    meter = RPCMeter(settings.log_dir, settings.log_interval, get_loaded_model)
    log.info(
        "Metering is enabled (every %s s to %s); to disable set runtime.metering.enabled to false",
        settings.log_interval, meter.path,
    )
    return meter
