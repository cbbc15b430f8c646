"""Request metrics kept cheaply on the request path and exported to Prometheus on scrape.

The request path only calls :meth:`RuntimeMetrics.observe` once per call (a per-thread table:
no lock, a few integer and float additions) and :meth:`RuntimeMetrics.started` (an atomic counter); the
Prometheus families are built only when ``/metrics`` is scraped, by a custom collector. This
keeps ``prometheus_client`` (and its label handling) off the hot path.

Exported (names of the reference where it has them):

* ``predict_rpc_count{grpc_request,code,model_id}`` -- counter of finished calls
* ``predict_caikit_library_duration_seconds{grpc_request,model_id}`` -- summary of call time
* ``rpc_in_progress_gauge`` -- calls in flight
* ``total_loaded_models`` -- models currently loaded
* ``caikit_runtime_errors_total{grpc_request,code}`` -- failed calls
* ``caikit_runtime_batch_size{model_id}`` -- histogram of the sizes of the batches run by
  ``runtime.batching`` (observed once per batch, not per request)

API: :func:`get_metrics` (the process-wide instance), :func:`start_metrics_server`.
"""
from __future__ import annotations

import itertools
import logging
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

__all__ = [
    "BATCH_SIZE_BUCKETS",
    "RuntimeMetrics",
    "get_metrics",
    "start_metrics_in_background",
    "start_metrics_server",
    "stop_metrics_server",
]

log = logging.getLogger("caikit.runtime.metrics")

#: Upper bounds of the buckets of the batch size histogram
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class RuntimeMetrics:
    """Counters of one process's calls (both servers share one instance)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # one table per thread, so the request path takes no lock:
        # (rpc, code, model_id) -> [count, seconds]
        self._tables: list = []
        self._local = threading.local()
        self._started = itertools.count()
        self._finished = itertools.count()
        self.loaded_models: Callable[[], int] = lambda: 0
        # model id -> [count per bucket of BATCH_SIZE_BUCKETS (+Inf last), sum of sizes]
        self._batches: Dict[str, list] = {}

    def _table(self) -> Dict[Tuple[str, str, str], list]:
        table: Dict[Tuple[str, str, str], list] = {}
        self._local.table = table
        with self._lock:
            self._tables.append(table)
        return table

    def started(self) -> None:
        """A call started (atomic, no lock)."""
        next(self._started)

    def observe(self, rpc: str, code: str, model_id: str, seconds: float) -> None:
        """A call finished.

        Args:
            rpc: the RPC (or route) name
            code: the status code name (``OK``, ``NOT_FOUND``, ...)
            model_id: the model used ("" when none was resolved)
            seconds: how long the model work took
        """
        next(self._finished)
        try:
            table = self._local.table
        except AttributeError:
            table = self._table()
        entry = table.get((rpc, code, model_id))
        if entry is None:
            table[(rpc, code, model_id)] = [1, seconds]
        else:
            # only this thread writes this table
            entry[0] += 1
            entry[1] += seconds

    def observe_batch(self, model_id: str, size: int) -> None:
        """A batch of ``size`` calls ran on ``model_id`` (once per batch: takes a lock)."""
        with self._lock:
            entry = self._batches.get(model_id)
            if entry is None:
                entry = self._batches[model_id] = [[0] * (len(BATCH_SIZE_BUCKETS) + 1), 0]
            counts = entry[0]
            for index, bound in enumerate(BATCH_SIZE_BUCKETS):
                if size <= bound:
                    counts[index] += 1
                    break
            else:
                counts[-1] += 1
            entry[1] += size

    def batch_sizes(self) -> Dict[str, Tuple[List[int], int]]:
        """model id -> (non-cumulative count per bucket of ``BATCH_SIZE_BUCKETS`` then +Inf,
        sum of the sizes)."""
        with self._lock:
            return {model_id: (list(counts), total) for model_id, (counts, total) in self._batches.items()}

    def in_progress(self) -> int:
        """Calls started and not yet finished."""
        # itertools.count's repr is "count(N)": reading it does not advance it
        return _count_value(self._started) - _count_value(self._finished)

    def snapshot(self) -> Dict[Tuple[str, str, str], Tuple[int, float]]:
        """A copy of the per-(rpc, code, model) counts and total seconds."""
        with self._lock:
            tables = list(self._tables)
        merged: Dict[Tuple[str, str, str], Tuple[int, float]] = {}
        for table in tables:
            for key, value in list(table.items()):
                count, seconds = merged.get(key, (0, 0.0))
                merged[key] = (count + value[0], seconds + value[1])
        return merged

    def collect(self) -> Iterator[Any]:
        """Prometheus metric families (the custom-collector protocol)."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
            SummaryMetricFamily,
        )

        calls = CounterMetricFamily(
            "predict_rpc_count", "Finished calls", labels=["grpc_request", "code", "model_id"]
        )
        errors = CounterMetricFamily(
            "caikit_runtime_errors", "Failed calls", labels=["grpc_request", "code"]
        )
        duration = SummaryMetricFamily(
            "predict_caikit_library_duration_seconds",
            "Time spent in model code",
            labels=["grpc_request", "model_id"],
        )
        per_model: Dict[Tuple[str, str], list] = {}
        per_error: Dict[Tuple[str, str], int] = {}
        for (rpc, code, model_id), (count, seconds) in sorted(self.snapshot().items()):
            calls.add_metric([rpc, code, model_id], count)
            totals = per_model.setdefault((rpc, model_id), [0, 0.0])
            totals[0] += count
            totals[1] += seconds
            if code != "OK":
                per_error[(rpc, code)] = per_error.get((rpc, code), 0) + count
        for (rpc, model_id), (count, seconds) in per_model.items():
            duration.add_metric([rpc, model_id], count_value=count, sum_value=seconds)
        for (rpc, code), count in per_error.items():
            errors.add_metric([rpc, code], count)
        yield calls
        yield errors
        yield duration
        yield GaugeMetricFamily("rpc_in_progress_gauge", "Calls in flight", value=self.in_progress())
        try:
            loaded = self.loaded_models()
        except Exception:
            loaded = 0
        yield GaugeMetricFamily("total_loaded_models", "Models loaded", value=loaded)
        batches = self.batch_sizes()
        if batches:
            family = HistogramMetricFamily(
                "caikit_runtime_batch_size", "Calls per batch run by runtime.batching", labels=["model_id"]
            )
            for model_id, (counts, total) in sorted(batches.items()):
                running, buckets = 0, []
                for bound, count in zip([*map(str, BATCH_SIZE_BUCKETS), "+Inf"], counts):
                    running += count
                    buckets.append((bound, running))
                family.add_metric([model_id], buckets, sum_value=total)
            yield family


def _count_value(counter: itertools.count) -> int:
    text = repr(counter)
    return int(text[text.index("(") + 1 : -1])


_METRICS: Optional[RuntimeMetrics] = None
_METRICS_LOCK = threading.Lock()
_SERVER: Optional[Tuple[Any, Any]] = None


def get_metrics() -> RuntimeMetrics:
    """The process-wide metrics."""
    global _METRICS
    if _METRICS is None:
        with _METRICS_LOCK:
            if _METRICS is None:
                _METRICS = RuntimeMetrics()
    return _METRICS


def start_metrics_server(port: int, address: str = "0.0.0.0") -> Optional[int]:
    """Serve ``/metrics`` on ``port`` (once per process); returns the bound port.

    A port already in use is logged and skipped: metrics never stop the runtime from serving.
    """
    global _SERVER
    with _METRICS_LOCK:
        if _SERVER is not None:
            return _SERVER[0].server_port
        from prometheus_client import REGISTRY, start_http_server

        try:
            REGISTRY.register(get_metrics())
        except ValueError:
            pass  # already registered in this process
        try:
            _SERVER = start_http_server(port, addr=address)
        except OSError as err:
            log.warning("Metrics server not started on port %s: %s", port, err)
            return None
        return _SERVER[0].server_port


def start_metrics_in_background(runtime_config: Any) -> None:
    """Start the metrics server if ``runtime.metrics.enabled``, in a background thread.

    Both servers call this at start; the thread keeps ``prometheus_client``'s import off the
    path to the first answer, and :func:`start_metrics_server` starts at most one per process.

    Args:
        runtime_config: the ``runtime`` config section
    """
    metrics_config = runtime_config.metrics or {}
    if not metrics_config.get("enabled"):
        return
    threading.Thread(
        target=start_metrics_server, args=(int(metrics_config.get("port") or 0),),
        name="caikit-metrics-start", daemon=True,
    ).start()


def stop_metrics_server() -> None:
    """Stop the metrics server started by :func:`start_metrics_server`, if any."""
    global _SERVER
    with _METRICS_LOCK:
        if _SERVER is not None:
            server, thread = _SERVER
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            _SERVER = None
