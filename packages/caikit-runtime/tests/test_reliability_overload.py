"""Overload: with a limit of N requests in flight and 4N clients, the excess is refused at once
(HTTP 503 with ``Retry-After``, gRPC RESOURCE_EXHAUSTED) and the admitted requests keep their
latency (real runtime on loopback, both protocols).

Each admitted request holds the model for ``HOLD`` seconds. First N - 1 clients alone measure
the admitted latency (not N: grpcio counts a call until it has processed its completion, so a
client that sends its next call the instant it has an answer can be refused at exactly N);
then 4N clients run for a while. The assertions are on status codes, with
deliberately generous time bounds (the machine may be busy): every answer is a success or the
refusal, the median refusal arrives within 100 ms, and the admitted median stays within 1.5x
of the unloaded one plus 50 ms. The measured figures are printed.
"""
from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Callable, List, Tuple

import grpc
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from reliability_support import Runtime, reflected_rpcs, standard_models  # noqa: E402

N = 4
HOLD = 0.2
BASELINE_SECONDS = 1.5
OVERLOAD_SECONDS = 2.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("overload")
    standard_models(workdir / "models")
    runtime = Runtime(
        workdir,
        config={
            "runtime": {
                "server_thread_pool_size": 8 * N,
                "http": {"max_concurrent_requests": N},
                "grpc": {"maximum_concurrent_rpcs": N},
            }
        },
    )
    yield runtime
    assert runtime.stop() == 0


def _run_clients(count: int, seconds: float, call: Callable[[], str]) -> List[Tuple[str, float]]:
    """``count`` threads calling ``call`` back to back for ``seconds``: ``[(outcome, latency)]``."""
    results: List[Tuple[str, float]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(count)

    def client() -> None:
        start.wait()
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            outcome = call()
            took = time.perf_counter() - began
            with lock:
                results.append((outcome, took))
            if outcome != "ok":
                time.sleep(0.01)  # a refused client backs off a little, as Retry-After asks

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _check(name: str, baseline: List[Tuple[str, float]], loaded: List[Tuple[str, float]], refusal: str) -> None:
    assert {o for o, _ in baseline} == {"ok"}, baseline
    outcomes = {o for o, _ in loaded}
    assert outcomes <= {"ok", refusal}, outcomes
    admitted = [t for o, t in loaded if o == "ok"]
    refused = [t for o, t in loaded if o == refusal]
    assert admitted and refused, (len(admitted), len(refused))
    base_p50 = statistics.median(t for _, t in baseline)
    admitted_p50 = statistics.median(admitted)
    refused_p50 = statistics.median(refused)
    print(
        f"\n{name}: baseline p50 {base_p50 * 1000:.0f} ms ({len(baseline)} calls); under 4N: "
        f"{len(admitted)} admitted p50 {admitted_p50 * 1000:.0f} ms max {max(admitted) * 1000:.0f} ms, "
        f"{len(refused)} refused p50 {refused_p50 * 1000:.1f} ms max {max(refused) * 1000:.1f} ms"
    )
    assert refused_p50 < 0.1, f"refusals took {refused_p50 * 1000:.0f} ms (median)"
    assert max(refused) < 2.0
    assert admitted_p50 < base_p50 * 1.5 + 0.05, (base_p50, admitted_p50)
    # at most N at once: the admitted calls cannot add up to more than N holds at a time
    assert len(admitted) <= N * (OVERLOAD_SECONDS / HOLD + 1) * 1.05


def test_http_excess_gets_503_at_once_and_admitted_latency_holds(server):
    def call() -> str:
        answer = server.post_json("/api/v1/task/hold", {"model_id": "hold", "inputs": "x", "parameters": {"seconds": HOLD}})
        if answer.status == 200:
            return "ok"
        if answer.status == 503 and answer.headers.get("retry-after") == "1":
            return "503"
        return f"{answer.status} {answer.body[:100]!r}"

    baseline = _run_clients(N - 1, BASELINE_SECONDS, call)
    loaded = _run_clients(4 * N, OVERLOAD_SECONDS, call)
    _check("HTTP", baseline, loaded, "503")
    assert server.http_health() == 200


def test_grpc_excess_gets_resource_exhausted_at_once_and_admitted_latency_holds(server):
    rpc = next(r for r in reflected_rpcs(server.channel) if r.name == "HoldTaskPredict")
    payload = rpc.request_class(label="x", seconds=HOLD).SerializeToString()
    # one channel per client, as separate clients would have
    channels = threading.local()

    def call() -> str:
        channel = getattr(channels, "channel", None)
        if channel is None:
            channel = channels.channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
            opened.append(channel)
        try:
            channel.unary_unary(rpc.path)(payload, metadata=[("mm-model-id", "hold")], timeout=30)
        except grpc.RpcError as err:
            return err.code().name
        return "ok"

    opened: List[grpc.Channel] = []
    try:
        baseline = _run_clients(N - 1, BASELINE_SECONDS, call)
        loaded = _run_clients(4 * N, OVERLOAD_SECONDS, call)
    finally:
        for channel in opened:
            channel.close()
    _check("gRPC", baseline, loaded, "RESOURCE_EXHAUSTED")
    assert server.grpc_health() == "SERVING"
