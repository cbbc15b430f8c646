"""Every performance target of the other issues, and how to judge it from the figures.

``ratio`` says which quotient of medians is compared with ``value``:
``ours/ref`` (ours divided by the reference), ``ref/ours`` (for a time where the target is
"N× faster"), ``ours/limit`` (against the practical limit), or ``ours`` (an absolute value).
"""
# ruff: noqa: RUF001, RUF002 -- the report uses the multiplication sign and en dash on purpose

from __future__ import annotations

TARGETS = [
    # issue 2
    dict(
        issue=2,
        figure="import.caikit.wall",
        what="cold `import caikit`, wall",
        ratio="ours/ref",
        op="<=",
        value=0.25,
    ),
    dict(
        issue=2,
        figure="import.caikit.cpu",
        what="cold `import caikit`, CPU",
        ratio="ours/ref",
        op="<=",
        value=0.25,
    ),
    dict(
        issue=2,
        figure="import.caikit.instructions",
        what="cold `import caikit`, instructions",
        ratio="ours/ref",
        op="<=",
        value=0.25,
    ),
    # issue 3
    dict(
        issue=3,
        figure="dataobject.construct",
        what="data object construct",
        ratio="ours/ref",
        op=">=",
        value=5,
    ),
    dict(
        issue=3,
        figure="dataobject.to_proto",
        what="data object to_proto",
        ratio="ours/ref",
        op=">=",
        value=2,
    ),
    dict(
        issue=3,
        figure="dataobject.from_proto",
        what="data object from_proto",
        ratio="ours/ref",
        op=">=",
        value=3,
    ),
    dict(
        issue=3,
        figure="dataobject.to_json",
        what="data object to_json",
        ratio="ours/ref",
        op=">=",
        value=3,
    ),
    dict(
        issue=3,
        figure="dataobject.from_json",
        what="data object from_json",
        ratio="ours/ref",
        op=">=",
        value=5,
    ),
    # issue 5
    dict(
        issue=5,
        figure="grpc.boot",
        what="gRPC boot to first answer, wall",
        ratio="ours/ref",
        op="<=",
        value=0.5,
    ),
    dict(
        issue=5,
        figure="grpc.boot_cpu",
        what="gRPC boot to first answer, server CPU",
        ratio="ours/ref",
        op="<=",
        value=0.5,
    ),
    dict(
        issue=5,
        figure="grpc.cpu_per_req",
        what="gRPC server CPU per request",
        ratio="ours/ref",
        op="<=",
        value=0.75,
    ),
    dict(
        issue=5,
        figure="grpc.c8.rps",
        what="gRPC throughput at 8 in flight",
        ratio="ours/ref",
        op=">=",
        value=1.2,
    ),
    # issue 6
    dict(
        issue=6,
        figure="http.cpu_per_req",
        what="HTTP server CPU per request",
        ratio="ours/ref",
        op="<=",
        value=0.6,
    ),
    dict(
        issue=6,
        figure="http.c1.p50",
        what="HTTP p50 latency at 1 in flight",
        ratio="ours/ref",
        op="<=",
        value=0.6,
    ),
    dict(
        issue=6,
        figure="http.c8.rps",
        what="HTTP throughput at 8 in flight",
        ratio="ours/ref",
        op=">=",
        value=1.3,
    ),
    # issue 8
    dict(
        issue=8,
        figure="compose.individual",
        what="compose INDIVIDUAL msg/s",
        ratio="ours/ref",
        op=">=",
        value=2,
    ),
    dict(
        issue=8,
        figure="compose.individual",
        what="compose INDIVIDUAL vs a bare `mq.subscribe` handler",
        ratio="ours/limit",
        op=">=",
        value=0.6,
    ),
    dict(
        issue=8,
        figure="compose.key",
        what="compose KEY_GROUPING groups/s",
        ratio="ours/ref",
        op=">=",
        value=5,
    ),
    dict(
        issue=8,
        figure="compose.count",
        what="compose COUNT_GROUPING windows/s",
        ratio="ours/ref",
        op=">=",
        value=5,
    ),
    dict(
        issue=8,
        figure="compose.from_data",
        what="`Message.from_data` (N× faster)",
        ratio="ref/ours",
        op=">=",
        value=3,
    ),
    # issue 9
    dict(
        issue=9,
        figure="redis.mq.w2",
        what="REDIS MQ end to end, 2 workers (msg/s)",
        ratio="ours",
        op=">=",
        value=25000,
    ),
]


def _median(fig: dict, side: str):
    cell = fig.get(side) or {}
    return cell.get("median")


def evaluate(figures: dict) -> list[dict]:
    """Return one row per target: the medians, the ratio, and whether the target is met (None = unknown)."""
    rows = []
    for t in TARGETS:
        fig = figures.get(t["figure"], {})
        ours, ref, lim = _median(fig, "ours"), _median(fig, "reference"), _median(fig, "limit")
        num, den = {
            "ours/ref": (ours, ref),
            "ref/ours": (ref, ours),
            "ours/limit": (ours, lim),
            "ours": (ours, 1.0),
        }[t["ratio"]]
        ratio = num / den if (num is not None and den) else None
        met = (
            None
            if ratio is None
            else (ratio <= t["value"] if t["op"] == "<=" else ratio >= t["value"])
        )
        reason = None
        if ratio is None:
            reason = (
                (fig.get("ours") or {}).get("error")
                or (fig.get("reference") or {}).get("error")
                or "not measured"
            )
        rows.append(
            {
                **t,
                "ours": ours,
                "reference": ref,
                "limit": lim,
                "measured": ratio,
                "met": met,
                "unit": fig.get("unit"),
                "limit_label": fig.get("limit_label"),
                "reason": reason,
            }
        )
    return rows


# What the issues quote for the reference (and limits) on this machine: a sanity check of
# our reference measurements, shown next to them in the report. (figure, side, value)
QUOTED = [
    ("import.caikit.wall", "reference", 0.36),
    ("import.caikit.wall", "limit", 0.02),
    ("dataobject.construct", "reference", 21_900),
    ("dataobject.to_proto", "reference", 47_400),
    ("dataobject.from_proto", "reference", 14_700),
    ("dataobject.to_json", "reference", 20_600),
    ("dataobject.from_json", "reference", 5_000),
    ("dataobject.to_proto", "limit", 2_000_000),
    ("grpc.boot", "reference", 0.97),
    ("grpc.c1.rps", "reference", 1_440),
    ("grpc.c1.p50", "reference", 0.67),
    ("grpc.c8.rps", "reference", 1_950),
    ("grpc.c8.p99", "reference", 7.5),
    ("grpc.cpu_per_req", "reference", 0.5),
    ("grpc.cpu_per_req", "limit", 0.30),
    ("http.boot", "reference", 0.75),
    ("http.c1.rps", "reference", 1_140),
    ("http.c1.p50", "reference", 0.73),
    ("http.c8.rps", "reference", 1_780),
    ("http.c8.p99", "reference", 11.2),
    ("http.cpu_per_req", "reference", 0.6),
    ("http.cpu_per_req", "limit", 0.29),
    ("compose.individual", "reference", 105_000),
    ("compose.individual", "limit", 360_000),
    ("compose.key", "reference", 10_800),
    ("compose.count", "reference", 8_000),
    ("compose.from_data", "reference", 11.6),
]
