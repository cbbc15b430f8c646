"""Run the benchmarks side by side with the reference implementations and write the report.

::

    python benchmarks/run.py [--quick] [--only NAME ...] [--ours-python PATH]

Builds (once, cached) the environments of ``benchmarks/envs.py``, runs each selected
benchmark for ours and the reference in alternating rounds, and writes
``benchmarks/results/latest.json``, ``docs/performance.md`` and PNG plots in
``benchmarks/results/``. With ``--only`` the other figures of the previous
``latest.json`` are kept, so the report stays complete while pieces land.
Quick mode takes under 5 minutes, the full run under 30.
Needs only the standard library; the measured code runs in the environments.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import envs
from cases import cold_import, compose, dataobjects, redis_e2e, runtime_servers
from harness.report import render
from harness.sides import BENCH_DIR, ROOT, Context

RESULTS = BENCH_DIR / "results" / "latest.json"
REPORT = ROOT / "docs" / "performance.md"

CASES = {
    "import": (cold_import.run, "import."),
    "dataobjects": (dataobjects.run, "dataobject."),
    "grpc": (lambda ctx: runtime_servers.run(ctx, ("grpc",)), "grpc."),
    "http": (lambda ctx: runtime_servers.run(ctx, ("http",)), "http."),
    "compose": (compose.run, "compose."),
    "redis": (redis_e2e.run, "redis."),
}


def _ours_python(args) -> tuple[Path | None, str | None]:
    """The interpreter for 'ours': --ours-python, else the editable-install env (built if needed)."""
    if args.ours_python:
        return Path(args.ours_python), None
    try:
        envs.build(envs.OURS)
        return envs.env_python(envs.OURS), None
    except Exception as exc:  # the report says why ours is missing
        return None, f"could not build the 'ours' env: {str(exc).splitlines()[0][:200]}"


def _environments() -> dict:
    out = {}
    repair = envs.ENVS / envs.REFERENCE / "REPAIR.json"
    if repair.exists():
        out["repair"] = json.loads(repair.read_text())
    for name in (envs.REFERENCE, envs.COMPOSE_REF, envs.TOOLS, envs.OURS):
        info = envs.ENVS / name / "ENV.json"
        if info.exists():
            out[name] = json.loads(info.read_text())
    return out


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _plots(results_path: Path, tools: Path) -> list[str]:
    proc = subprocess.run(
        [
            str(tools),
            str(BENCH_DIR / "harness" / "plots.py"),
            str(results_path),
            str(results_path.parent),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(BENCH_DIR)},
    )
    if proc.returncode != 0:
        print("plots failed:", proc.stderr.strip()[-500:], file=sys.stderr)
        return []
    return [str(Path(p).resolve().relative_to(ROOT)) for p in proc.stdout.split()]


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds and shorter loads (< 5 min)"
    )
    parser.add_argument("--only", nargs="+", choices=list(CASES), help="run only these benchmarks")
    parser.add_argument(
        "--ours-python", help="interpreter of our project (default: build .bench-envs/ours)"
    )
    args = parser.parse_args(argv)

    t_start = time.monotonic()
    load_before = os.getloadavg()
    envs.ensure([envs.REFERENCE, envs.COMPOSE_REF, envs.TOOLS])
    ours, ours_error = _ours_python(args)
    if ours_error:
        print(ours_error, file=sys.stderr)
    selected = args.only or list(CASES)
    previous = json.loads(RESULTS.read_text()) if (args.only and RESULTS.exists()) else {}
    figures = dict(previous.get("figures", {}))
    cases = dict(previous.get("cases", {}))

    with tempfile.TemporaryDirectory(prefix="caikit-bench-") as tmp:
        for name in selected:
            fn, prefix = CASES[name]
            workdir = Path(tmp) / name
            workdir.mkdir()
            ctx = Context(
                ours=ours,
                ref_runtime=envs.env_python(envs.REFERENCE),
                ref_compose=envs.env_python(envs.COMPOSE_REF),
                tools=envs.env_python(envs.TOOLS),
                quick=args.quick,
                workdir=workdir,
            )
            t0 = time.monotonic()
            print(f"== {name}", flush=True)
            figures = {k: v for k, v in figures.items() if not k.startswith(prefix)}
            error = None
            try:
                figures.update(fn(ctx))
            except Exception as exc:  # one broken case must not lose the others
                traceback.print_exc()
                error = f"{type(exc).__name__}: {exc}"[:300]
            cases[name] = {
                "seconds": time.monotonic() - t0,
                "error": error,
                "quick": args.quick,
                "load_after": round(os.getloadavg()[0], 1),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            }
            print(
                f"   {name}: {cases[name]['seconds']:.0f} s" + (f" ERROR {error}" if error else ""),
                flush=True,
            )

    results = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": args.quick,
            "mode": "quick" if args.quick else "full",
            "only": args.only,
            "duration_s": time.monotonic() - t_start,
            "cpus": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "load_before": " ".join(f"{x:.1f}" for x in load_before),
            "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "python": platform.python_version(),
            "ours_python": str(ours) if ours else None,
            "ours_error": ours_error,
        },
        "figures": figures,
        "cases": cases,
        "environments": _environments(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    tmp_path = RESULTS.with_suffix(".json.tmp")
    tmp_path.write_text(json.dumps(results, indent=1) + "\n")
    tmp_path.replace(RESULTS)
    plots = _plots(RESULTS, envs.env_python(envs.TOOLS))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(render(results, plots))
    print(
        f"wrote {RESULTS.relative_to(ROOT)}, {REPORT.relative_to(ROOT)}"
        f"{', ' + ', '.join(plots) if plots else ''} in {time.monotonic() - t_start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
