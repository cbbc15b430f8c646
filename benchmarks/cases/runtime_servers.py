"""Runtime servers over gRPC and HTTP: boot to first answer, throughput, latency, server CPU, RSS.

For each round, each protocol and each side (ours, reference, bare limit; the order
rotates every round) a fresh server process is started on free loopback ports:

* boot: a poller (``load_client.py ... first-answer``) is started and ready *before*
  the server, so the figure is the server's start to its first correct answer;
* warm-up (0.5 s at 8 in flight), then RSS from ``/proc/<pid>/statm``;
* load at 1 and 8 requests in flight (a fresh client process each), with the
  server's CPU time (``/proc/<pid>/stat`` utime+stime) read before and after, so
  CPU per request is the server's own, not the client's.

ours and the reference are started the same way: ``python -m caikit.runtime`` with
``RUNTIME_LIBRARY=greeter_lib``, ``RUNTIME_LOCAL_MODELS_DIR``, the port variables,
``RUNTIME_METRICS_ENABLED=false`` and the other protocol disabled; default log level.
"""

from __future__ import annotations

import json
import subprocess
import time

from harness.proc import NotAvailable, cpu_seconds, free_port, rss_bytes, run_json, stop
from harness.sides import BENCH_DIR, Context, collect, figure, first_error, side_result

CLIENT = BENCH_DIR / "cases" / "load_client.py"
BARE = {
    "grpc": BENCH_DIR / "cases" / "bare_grpc_server.py",
    "http": BENCH_DIR / "cases" / "bare_http_server.py",
}
LEVELS = (1, 8)
BOOT_TIMEOUT = 60
MAX_ERROR_FRACTION = 0.01  # above this a load run is a failure, below it the errors are reported
LIMIT_LABEL = {"grpc": "bare grpcio server, static proto", "http": "bare starlette on hypercorn"}


def _save_model(python, models_dir, ctx: Context) -> None:
    """Save the greeter model with the side's own caikit (each writes its own format)."""
    code = f"from greeter_lib import GreeterModule; GreeterModule().save({str(models_dir / 'greeter')!r})"
    proc = subprocess.run([str(python), "-c", code], env=ctx.env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise NotAvailable(
            "cannot save the greeter model: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
        )


def _command(side: str, proto: str, port: int, ctx: Context) -> tuple[list, dict]:
    """The server command line and environment for one side and protocol."""
    if side == "limit":
        return [str(ctx.tools), str(BARE[proto]), str(port)], ctx.env()
    python = ctx.ours if side == "ours" else ctx.ref_runtime
    env = ctx.env(
        RUNTIME_LIBRARY="greeter_lib",
        RUNTIME_LOCAL_MODELS_DIR=str(ctx.workdir / f"models-{side}"),
        RUNTIME_GRPC_PORT=str(port if proto == "grpc" else free_port()),
        RUNTIME_HTTP_PORT=str(port if proto == "http" else free_port()),
        RUNTIME_GRPC_ENABLED=str(proto == "grpc").lower(),
        RUNTIME_HTTP_ENABLED=str(proto == "http").lower(),
        RUNTIME_METRICS_ENABLED="false",
    )
    return [str(python), "-m", "caikit.runtime"], env


def _log_tail(path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return lines[-1][:300] if lines else "(no output)"


def measure_server(side: str, proto: str, ctx: Context, seconds: float, load: bool = True) -> dict:
    """Start one server, measure it, stop it; return boot, RSS and per-level load results.

    With ``load=False`` only the boot time is measured (cheap extra boot samples).
    """
    port = free_port()
    cmd, env = _command(side, proto, port, ctx)
    log = ctx.workdir / f"server-{side}-{proto}.log"
    poller = subprocess.Popen(
        [str(ctx.tools), str(CLIENT), proto, str(port), "first-answer", str(BOOT_TIMEOUT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ctx.env(),
    )
    if poller.stdout.readline().strip() != "ready":
        raise NotAvailable("poller did not start")
    with open(log, "w") as logf:
        t0 = time.monotonic()
        server = subprocess.Popen(
            cmd,
            env=env,
            stdout=logf,
            stderr=subprocess.STDOUT,
            cwd=ctx.workdir,
            start_new_session=True,
        )
    try:
        while poller.poll() is None:
            if server.poll() is not None:
                poller.kill()
                raise NotAvailable(f"server exited {server.returncode}: {_log_tail(log)}")
            time.sleep(0.005)
        out = poller.stdout.read().strip().splitlines()
        if poller.returncode != 0 or not out:
            raise NotAvailable(f"no answer within {BOOT_TIMEOUT} s: {_log_tail(log)}")
        # The server's own CPU until its first answer: steadier than wall time on a busy machine.
        result = {
            "boot_s": json.loads(out[-1])["t_first"] - t0,
            "boot_cpu_s": cpu_seconds(server.pid),
        }
        if not load:
            return result
        client = [ctx.tools, CLIENT, proto, port, "load"]
        run_json([*client, 8, 0.5, 100_000], env=ctx.env())  # warm-up
        result["rss_mb"] = rss_bytes(server.pid) / 2**20
        total_cpu = total_req = 0
        for level in LEVELS:
            cpu0 = cpu_seconds(server.pid)
            res = run_json(
                [*client, level, seconds, 1_000_000], env=ctx.env(), timeout=seconds + 60
            )
            cpu = cpu_seconds(server.pid) - cpu0
            total = res["requests"] + res["errors"]
            if not res["requests"] or res["errors"] > MAX_ERROR_FRACTION * total:
                raise NotAvailable(
                    f"{res['errors']} errors out of {total} requests at {level} in flight: "
                    f"{res['error_kinds']}"
                )
            res["server_cpu_ms"] = cpu / res["requests"] * 1e3
            res["error_pct"] = 100 * res["errors"] / total
            total_cpu, total_req = total_cpu + cpu, total_req + res["requests"]
            result[f"c{level}"] = res
        result["server_cpu_ms"] = total_cpu / total_req * 1e3
        return result
    finally:
        stop(server)
        if poller.poll() is None:
            poller.kill()
            poller.wait()


def _sides(ctx: Context) -> list[str]:
    return (["ours"] if ctx.ours is not None else []) + ["reference", "limit"]


def run(ctx: Context, protocols=("grpc", "http")) -> dict:
    """All rounds of all servers; one figure per (protocol, measure)."""
    rounds = ctx.rounds(2, 5)
    boot_only = ctx.rounds(3, 8)  # extra boot samples: boot is cheap and noisy
    seconds = 1.5 if ctx.quick else 4.0
    prepared = {}
    for side in ("ours", "reference"):
        python = ctx.ours if side == "ours" else ctx.ref_runtime
        if python is None:
            continue
        try:
            _save_model(python, ctx.workdir / f"models-{side}", ctx)
            prepared[side] = None
        except NotAvailable as exc:
            prepared[side] = str(exc)
    runs = {(p, s): [] for p in protocols for s in ("ours", "reference", "limit")}
    sides = _sides(ctx)
    for r in range(rounds):
        order = sides[r % len(sides) :] + sides[: r % len(sides)]
        for proto in protocols:
            for side in order:
                if prepared.get(side):
                    runs[(proto, side)].append(prepared[side])
                    continue
                try:
                    runs[(proto, side)].append(measure_server(side, proto, ctx, seconds))
                except NotAvailable as exc:
                    runs[(proto, side)].append(str(exc))
    boots = {key: list(rows) for key, rows in runs.items()}
    for r in range(boot_only):
        for proto in protocols:
            for side in sides[:: 1 if r % 2 else -1]:
                if prepared.get(side) or all(isinstance(x, str) for x in runs[(proto, side)]):
                    continue  # this side cannot start: one error per round is enough
                try:
                    boots[(proto, side)].append(
                        measure_server(side, proto, ctx, seconds, load=False)
                    )
                except NotAvailable as exc:
                    boots[(proto, side)].append(str(exc))
    return _figures(runs, boots, protocols)


def _figures(runs: dict, boots: dict, protocols) -> dict:
    """Turn per-round server results into figures (boot from every start, loaded or not)."""
    measures = [
        ("boot", "boot_s", None, "boot to first answer", "s", "lower"),
        ("boot_cpu", "boot_cpu_s", None, "server CPU until its first answer", "s", "lower"),
        ("rss", "rss_mb", None, "server RSS after warm-up", "MiB", "lower"),
        (
            "cpu_per_req",
            "server_cpu_ms",
            None,
            "server CPU per request (all levels)",
            "ms",
            "lower",
        ),
    ]
    for level in LEVELS:
        measures += [
            (
                f"c{level}.rps",
                "rps",
                f"c{level}",
                f"throughput at {level} in flight",
                "req/s",
                "higher",
            ),
            (
                f"c{level}.p50",
                "p50_ms",
                f"c{level}",
                f"p50 latency at {level} in flight",
                "ms",
                "lower",
            ),
            (
                f"c{level}.p99",
                "p99_ms",
                f"c{level}",
                f"p99 latency at {level} in flight",
                "ms",
                "lower",
            ),
            (
                f"c{level}.cpu_per_req",
                "server_cpu_ms",
                f"c{level}",
                f"server CPU per request at {level} in flight",
                "ms",
                "lower",
            ),
            (
                f"c{level}.errors",
                "error_pct",
                f"c{level}",
                f"failed requests at {level} in flight (runs with "
                f"more than {MAX_ERROR_FRACTION:.0%} are discarded)",
                "%",
                "lower",
            ),
        ]
    out = {}
    for proto in protocols:
        for fid, key, sub, label, unit, better in measures:
            sides = {}
            for side in ("ours", "reference", "limit"):
                samples = (boots if key.startswith("boot") else runs)[(proto, side)]
                if not samples:
                    sides[side] = {"error": "no interpreter for ours"}
                    continue
                rows = [s.get(sub) if (sub and isinstance(s, dict)) else s for s in samples]
                sides[side] = side_result(collect(rows, key), failed=first_error(samples))
            out[f"{proto}.{fid}"] = figure(
                f"{proto.upper()} {label}", unit, better, sides, limit_label=LIMIT_LABEL[proto]
            )
    return out
