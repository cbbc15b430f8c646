"""Redis end to end (our plugin only; the reference has no Redis backend).

A private ``redis-server`` on a free loopback port (no persistence). Per round:
messages/s through the REDIS message queue with 1 and 2 worker processes, and KEY
groups/s through the REDIS group store with 1 and 2 workers: the rate is what the
workers received, divided by the time from the first publish to the last delivery.
The practical limit is ``redis-benchmark`` doing pipelined XADDs on the same server.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time

from harness.proc import NotAvailable, free_port, stop
from harness.sides import BENCH_DIR, Context, figure, side_result

WORKER = BENCH_DIR / "cases" / "redis_worker.py"
PAYLOAD = "x" * 160  # about the size of one serialized Message


def start_redis(ctx: Context) -> tuple[subprocess.Popen, int]:
    """Start a throwaway redis-server; return it and its port."""
    if not shutil.which("redis-server"):
        raise NotAvailable("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(ctx.workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(200):
        if (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
            ).stdout.strip()
            == "PONG"
        ):
            return proc, port
        time.sleep(0.02)
    stop(proc)
    raise NotAvailable("redis-server did not start")


def _flush(port: int) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "flushall"], capture_output=True)


def one_run(ctx: Context, url: str, mode: str, workers: int, n: int) -> dict:
    """Start ``workers`` consumers, publish ``n`` messages (pairs), return the end-to-end rate."""
    env = ctx.env()
    procs = []
    try:
        for _ in range(workers):
            p = subprocess.Popen(
                [str(ctx.ours), str(WORKER), "consume", url, mode, "1.0", "120"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            procs.append(p)
            if p.stdout.readline().strip() != "ready":
                raise NotAvailable(
                    "worker: " + (p.stderr.read().strip().splitlines() or ["no output"])[-1][:300]
                )
        pub = subprocess.run(
            [str(ctx.ours), str(WORKER), "publish", url, mode, str(n)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if pub.returncode != 0:
            raise NotAvailable(
                "publisher: " + (pub.stderr.strip().splitlines() or ["no output"])[-1][:300]
            )
        times = json.loads(pub.stdout.strip().splitlines()[-1])
        t_start = times["t_start"]
        for p in procs:  # tell every worker at once that the publisher is done
            p.stdin.write("published\n")
            p.stdin.flush()
        results = [
            json.loads(p.communicate(timeout=180)[0].strip().splitlines()[-1]) for p in procs
        ]
    finally:
        for p in procs:
            stop(p)
    got = sum(r["count"] for r in results)
    if not got:
        raise NotAvailable("no message was delivered")
    t_last = max(r["t_last"] for r in results if r["t_last"])
    counts = [r["count"] for r in results]
    return {
        "rate": got / (t_last - t_start),
        "delivered": got / n,
        "min_share": min(counts) / got,
        "publish_rate": n / (times["t_end"] - t_start),
    }


def redis_benchmark(port: int, n: int) -> float:
    """XADD requests/s from redis-benchmark (2 clients, pipeline 16) on our server."""
    out = subprocess.run(
        [
            "redis-benchmark",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-n",
            str(n),
            "-c",
            "2",
            "-P",
            "16",
            "-q",
            "XADD",
            "bench-limit",
            "*",
            "data",
            PAYLOAD,
        ],
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"([\d.]+) requests per second", out)
    if not match:
        raise NotAvailable(f"redis-benchmark: {out.strip()[-200:]!r}")
    return float(match.group(1))


def run(ctx: Context) -> dict:
    """All rounds; figures for 1 and 2 workers, MQ and group store, and the XADD limit."""
    rounds = ctx.rounds(2, 3)
    n_msgs, n_pairs = (20000, 2000) if ctx.quick else (50000, 6000)
    cases = [
        ("mq", "individual", 1, n_msgs),
        ("mq", "individual", 2, n_msgs),
        ("gs", "key", 1, n_pairs),
        ("gs", "key", 2, n_pairs),
    ]
    samples: dict = {c[:3]: [] for c in cases}
    limit: list = []
    error = None
    try:
        server, port = start_redis(ctx)
    except NotAvailable as exc:
        server, error = None, str(exc)
    try:
        for _ in range(rounds if server else 0):
            for kind, mode, workers, n in cases:
                _flush(port)
                if ctx.ours is None:
                    samples[(kind, mode, workers)].append(None)
                    error = "no interpreter for ours"
                    continue
                try:
                    samples[(kind, mode, workers)].append(
                        one_run(ctx, f"redis://127.0.0.1:{port}/0", mode, workers, n)
                    )
                except (NotAvailable, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
                    samples[(kind, mode, workers)].append(None)
                    error = str(exc)
            _flush(port)
            limit.append(redis_benchmark(port, 100_000 if ctx.quick else 300_000))
            _flush(port)
    finally:
        if server:
            stop(server)
    lim = side_result(limit, failed=error or "failed")
    out = {}
    for (kind, _mode, workers), vals in samples.items():
        rates = [v["rate"] if v else None for v in vals]
        ours = side_result(rates, failed=error or "failed")
        good = [v for v in vals if v]
        if good and "error" not in ours:
            # At most once is allowed, but a benchmark that loses messages must say so.
            ours["delivered_fraction_min"] = min(v["delivered"] for v in good)
            ours["least_busy_worker_share"] = min(v["min_share"] for v in good)
        label = (
            f"REDIS MQ end to end, {workers} worker(s)"
            if kind == "mq"
            else f"REDIS group store, KEY groups, {workers} worker(s)"
        )
        unit = "msg/s" if kind == "mq" else "groups/s"
        out[f"redis.{kind}.w{workers}"] = figure(
            label,
            unit,
            "higher",
            {"ours": ours, "reference": {"error": "no Redis backend in 0.1.0"}, "limit": lim},
            limit_label="redis-benchmark XADD (2 clients, pipeline 16)",
        )
    pub = [v["publish_rate"] if v else None for v in samples[("mq", "individual", 2)]]
    out["redis.mq.publish"] = figure(
        "REDIS MQ publisher alone (publish + drain), 2-worker runs",
        "msg/s",
        "higher",
        {
            "ours": side_result(pub, failed=error or "failed"),
            "reference": {"error": "no Redis backend in 0.1.0"},
            "limit": lim,
        },
        limit_label="redis-benchmark XADD (2 clients, pipeline 16)",
    )
    return out
