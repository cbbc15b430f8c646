"""PNG plots (run with the tools env, which has matplotlib; ``benchmarks/`` on PYTHONPATH).

``python plots.py RESULTS_JSON OUT_DIR`` writes ``throughput.png`` and ``latency.png``
(per protocol and concurrency: ours vs reference vs the bare limit, median with min–max
error bars) and ``targets.png`` (each target's margin: measured ratio over the target,
>= 1 means met) and prints the written paths, one per line.
"""
# ruff: noqa: RUF002 -- the docstring uses an en dash on purpose

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SIDES = [
    ("ours", "ours", "#1b9e77"),
    ("reference", "caikit 0.29.1", "#d95f02"),
    ("limit", "bare limit", "#7570b3"),
]
LEVELS = (1, 8)
PROTOCOLS = ("grpc", "http")


def _bars(ax, figs: dict, proto: str, key: str, title: str, unit: str) -> None:
    width = 0.26
    for i, (side, label, color) in enumerate(SIDES):
        meds, lo, hi, xs = [], [], [], []
        for j, level in enumerate(LEVELS):
            cell = figs.get(f"{proto}.c{level}.{key}", {}).get(side) or {}
            if "median" in cell:
                xs.append(j + (i - 1) * width)
                meds.append(cell["median"])
                lo.append(cell["median"] - cell["min"])
                hi.append(cell["max"] - cell["median"])
        if xs:
            ax.bar(xs, meds, width, yerr=[lo, hi], label=label, color=color, capsize=3)
    ax.set_xticks(range(len(LEVELS)), [f"{n} in flight" for n in LEVELS])
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.legend(fontsize=8)


def targets_plot(figs: dict, path: Path) -> bool:
    """Horizontal bars of each target's margin (log scale); False when nothing is measured."""
    from harness.targets import evaluate

    rows = [r for r in evaluate(figs) if r["measured"]]
    if not rows:
        return False
    margins = [
        r["measured"] / r["value"] if r["op"] == ">=" else r["value"] / r["measured"] for r in rows
    ]
    labels = [f"#{r['issue']} {r['what']}" for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1))
    ax.barh(range(len(rows)), margins, color=["#1b9e77" if m >= 1 else "#d95f02" for m in margins])
    ax.axvline(1, color="black", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("margin to target (measured ratio / target; >= 1 is met)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def main() -> None:
    """Write the plots and print their paths."""
    results = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    figs = results.get("figures", {})
    if targets_plot(figs, out / "targets.png"):
        print(out / "targets.png")
    if not any(k.startswith(("grpc.", "http.")) for k in figs):
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, proto in zip(axes, PROTOCOLS):
        _bars(ax, figs, proto, "rps", f"{proto.upper()} unary throughput", "requests/s")
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=90)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for row, key in enumerate(("p50", "p99")):
        for ax, proto in zip(axes[row], PROTOCOLS):
            _bars(ax, figs, proto, key, f"{proto.upper()} {key} latency", "ms")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=90)
    print(out / "throughput.png")
    print(out / "latency.png")


if __name__ == "__main__":
    main()
