"""caikit-compose in synchronous mode: INDIVIDUAL / KEY / COUNT rates and ``Message.from_data``.

One fresh worker per side per round (ours, then caikit-compose 0.1.0, alternating).
Limits: for INDIVIDUAL, the reference's own bare ``mq.subscribe`` handler (the yardstick
issue 8 quotes, ~360k/s); for the bare handler figure, a plain function call.
"""

from __future__ import annotations

from harness.proc import NotAvailable, run_json
from harness.sides import BENCH_DIR, Context, collect, figure, first_error, side_result

WORKER = BENCH_DIR / "cases" / "compose_worker.py"


def _worker(python, scale: float, ctx: Context) -> dict | str:
    try:
        return run_json([python, WORKER, scale], env=ctx.env(), timeout=300)
    except NotAvailable as exc:
        return str(exc)


def run(ctx: Context) -> dict:
    """Alternate ours and the reference; one figure per workload."""
    rounds = ctx.rounds(5, 9)
    scale = 0.5 if ctx.quick else 1.5
    runs = {"ours": [], "reference": []}
    for _ in range(rounds):
        if ctx.ours is not None:
            runs["ours"].append(_worker(ctx.ours, scale, ctx))
        runs["reference"].append(_worker(ctx.ref_compose, scale, ctx))

    def side(name: str, key: str) -> dict:
        samples = runs[name]
        if not samples:
            return {"error": "no interpreter for ours"}
        return side_result(collect(samples, key), failed=first_error(samples))

    return {
        "compose.individual": figure(
            "INDIVIDUAL delivery (SubscriptionManager)",
            "msg/s (CPU)",
            "higher",
            {
                "ours": side("ours", "individual"),
                "reference": side("reference", "individual"),
                "limit": side("reference", "bare_subscribe"),
            },
            limit_label="reference bare `mq.subscribe` handler",
        ),
        "compose.key": figure(
            "KEY_GROUPING, 2 content types, interleaved pairs",
            "groups/s (CPU)",
            "higher",
            {"ours": side("ours", "key"), "reference": side("reference", "key")},
        ),
        "compose.count": figure(
            "COUNT_GROUPING window 5 stride 1",
            "windows/s (CPU)",
            "higher",
            {"ours": side("ours", "count"), "reference": side("reference", "count")},
        ),
        "compose.from_data": figure(
            "`Message.from_data`",
            "µs (CPU)",
            "lower",
            {"ours": side("ours", "from_data_us"), "reference": side("reference", "from_data_us")},
        ),
        "compose.bare_subscribe": figure(
            "bare `mq.subscribe` handler",
            "msg/s (CPU)",
            "higher",
            {
                "ours": side("ours", "bare_subscribe"),
                "reference": side("reference", "bare_subscribe"),
                "limit": side("reference", "bare_call"),
            },
            limit_label="plain function call",
        ),
    }
