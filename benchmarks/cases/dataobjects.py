"""Data objects: construct / to_proto / from_proto / to_json / from_json per CPU second.

Each round runs one fresh worker process per side (ours, reference, raw protobuf
limit), in that alternating order; each worker measures all five operations.
"""

from __future__ import annotations

from harness.proc import NotAvailable, run_json
from harness.sides import BENCH_DIR, Context, collect, figure, first_error, side_result

WORKER = BENCH_DIR / "cases" / "dataobjects_worker.py"
OPS = {
    "construct": ("construct a Batch of 10 Items", "construct the protobuf message"),
    "to_proto": ("Batch.to_proto()", "protobuf SerializeToString (encode)"),
    "from_proto": ("Batch.from_proto()", "protobuf FromString (decode)"),
    "to_json": ("Batch.to_json()", "json.dumps of the equivalent dict"),
    "from_json": ("Batch.from_json()", "json.loads only"),
}


def _worker(python, mode: str, seconds: float, ctx: Context) -> dict | str:
    try:
        return run_json([python, WORKER, mode, seconds], env=ctx.env(), timeout=120)
    except NotAvailable as exc:
        return str(exc)


def run(ctx: Context) -> dict:
    """Alternate ours / reference / limit workers for a few rounds; one figure per operation."""
    rounds = ctx.rounds(4, 7)
    seconds = 0.2 if ctx.quick else 0.5
    runs: dict = {"ours": [], "reference": [], "limit": []}
    for _ in range(rounds):
        if ctx.ours is not None:
            runs["ours"].append(_worker(ctx.ours, "caikit", seconds, ctx))
        runs["reference"].append(_worker(ctx.ref_runtime, "caikit", seconds, ctx))
        runs["limit"].append(_worker(ctx.tools, "raw", seconds, ctx))
    out = {}
    for op, (label, limit_label) in OPS.items():
        sides = {}
        for side, samples in runs.items():
            if not samples:
                sides[side] = {"error": "no interpreter for ours"}
            else:
                sides[side] = side_result(collect(samples, op), failed=first_error(samples))
        out[f"dataobject.{op}"] = figure(
            label, "ops/s (CPU)", "higher", sides, limit_label=limit_label
        )
    return out
