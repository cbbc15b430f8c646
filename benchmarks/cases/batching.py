"""Request batching (``runtime.batching``): throughput and latency, batching off vs on.

::

    python benchmarks/cases/batching.py [--seconds 3] [--reps 3] [--clients 16] [--json]

Standalone (not part of ``run.py``: the reference has no counterpart to compare with here).
It serves a model whose device is a stand-in for a GPU: one call at a time, 5 ms per call of
``run`` *or* of ``run_batch``, whatever the batch size (a lock held for a 5 ms sleep). A
``python -m caikit.runtime`` subprocess serves it over gRPC, once with batching off
(``runtime.batching.default.size: 0``) and once with ``size: 8, collect_delay_s: 0.002``;
for each, ``--clients`` gRPC callers in this process keep one call each in flight for
``--seconds`` (after a 0.5 s warm-up), ``--reps`` times. Printed: req/s, p50 and p99
latency, the median of the repetitions (and every repetition's figures). Run it with the
interpreter of the project's environment (``.venv/bin/python``); loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.proc import free_port, stop

LIBRARY = "bench_batch_lib"
METHOD = "/caikit.runtime.BenchBatchLib.BenchBatchLibService/EchoTaskPredict"
TEXT = b"Gabe"
REQUEST = b"\x0a" + bytes([len(TEXT)]) + TEXT  # EchoTaskRequest{string text = 1}
REPLY = REQUEST  # Echoed{string text = 1}
METADATA = (("mm-model-id", "echo"),)
DEVICE_SECONDS = 0.005

MODES = {
    "off": {"RUNTIME_BATCHING_DEFAULT_SIZE": "0", "RUNTIME_BATCHING_DEFAULT_COLLECT_DELAY_S": "0"},
    "size 8, delay 2 ms": {"RUNTIME_BATCHING_DEFAULT_SIZE": "8", "RUNTIME_BATCHING_DEFAULT_COLLECT_DELAY_S": "0.002"},
}

LIBRARY_SOURCE = textwrap.dedent(
    f'''
    """A model on a stand-in GPU: one call at a time, {DEVICE_SECONDS * 1000:g} ms per call, batched or not."""
    import threading
    import time
    from typing import List

    from caikit.core import DataObjectBase, ModuleBase, TaskBase, dataobject, module, task
    from caikit.core.modules import ModuleLoader, ModuleSaver

    DEVICE = threading.Lock()


    @dataobject(package="{LIBRARY}")
    class Echoed(DataObjectBase):
        text: str


    @task(unary_parameters={{"text": str}}, unary_output_type=Echoed)
    class EchoTask(TaskBase):
        """Echo."""


    @module("bench-batch-echo", "Batch echo", "0.0.1", task=EchoTask)
    class BatchEcho(ModuleBase):
        def run(self, text: str) -> Echoed:
            with DEVICE:
                time.sleep({DEVICE_SECONDS})
            return Echoed(text)

        def run_batch(self, text: List[str]) -> List[Echoed]:
            with DEVICE:
                time.sleep({DEVICE_SECONDS})
            return [Echoed(t) for t in text]

        def save(self, model_path):
            with ModuleSaver(self, model_path=model_path):
                pass

        @classmethod
        def load(cls, model_path):
            ModuleLoader(model_path)
            return cls()
    '''
)


def _env(workdir: Path, port: int, extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNTIME_", "LOG_", "CONFIG_FILES"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(workdir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        RUNTIME_LIBRARY=LIBRARY,
        RUNTIME_LOCAL_MODELS_DIR=str(workdir / "models"),
        RUNTIME_GRPC_PORT=str(port),
        RUNTIME_HTTP_ENABLED="false",
        RUNTIME_METRICS_ENABLED="false",
        LOG_LEVEL="warning",
        **extra,
    )
    return env


def _prepare(workdir: Path) -> None:
    (workdir / f"{LIBRARY}.py").write_text(LIBRARY_SOURCE)
    code = f"import {LIBRARY}; {LIBRARY}.BatchEcho().save({str(workdir / 'models' / 'echo')!r})"
    subprocess.run([sys.executable, "-c", code], env=_env(workdir, 0, {}), check=True, cwd=workdir)


async def _first_answer(port: int, timeout: float = 60) -> None:
    import grpc

    end = time.monotonic() + timeout
    while True:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                if await channel.unary_unary(METHOD)(REQUEST, metadata=METADATA, timeout=2) == REPLY:
                    return
            except grpc.RpcError:
                pass
        if time.monotonic() > end:
            raise SystemExit("the runtime did not answer")
        await asyncio.sleep(0.1)


async def _load(port: int, clients: int, seconds: float) -> dict:
    import grpc

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(METHOD)
        latencies: list = []
        errors = [0]
        end = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < end:
                began = time.perf_counter()
                try:
                    ok = await call(REQUEST, metadata=METADATA, timeout=10) == REPLY
                except grpc.RpcError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - began)
                else:
                    errors[0] += 1

        began = time.monotonic()
        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.monotonic() - began
    latencies.sort()
    n = len(latencies)
    return {
        "rps": n / wall,
        "p50_ms": latencies[n // 2] * 1000 if n else None,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else None,
        "requests": n,
        "errors": errors[0],
    }


def measure(workdir: Path, extra_env: dict, clients: int, seconds: float, reps: int) -> list:
    """Start a runtime with ``extra_env``; return one load result per repetition."""
    port = free_port()
    log = open(workdir / f"runtime-{port}.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "caikit.runtime"], env=_env(workdir, port, extra_env), cwd=workdir,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        asyncio.run(_first_answer(port))
        asyncio.run(_load(port, clients, 0.5))  # warm-up
        return [asyncio.run(_load(port, clients, seconds)) for _ in range(reps)]
    finally:
        stop(server)
        log.close()


def main(argv: list | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="load time of one repetition")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (the median is reported)")
    parser.add_argument("--clients", type=int, default=16, help="calls in flight")
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="caikit-bench-batching-") as tmp:
        workdir = Path(tmp)
        _prepare(workdir)
        for name, extra in MODES.items():
            runs = measure(workdir, extra, args.clients, args.seconds, args.reps)
            results[name] = {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
                "runs": runs,
            }
    print(
        f"{args.clients} gRPC clients, {args.seconds:g} s x {args.reps} (median), "
        f"model: {DEVICE_SECONDS * 1000:g} ms per run/run_batch call on one device"
    )
    print(f"{'batching':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}   each run (req/s)")
    for name, r in results.items():
        each = ", ".join(f"{run['rps']:.0f}" for run in r["runs"])
        print(f"{name:<20}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}   {each}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
