"""The sides being compared and the shape of one figure in results/latest.json.

A figure is::

    {"label": str, "unit": str, "better": "higher" | "lower",
     "ours": {median, min, max, q1, q3, n} | {"error": str},
     "reference": {...}, "limit": {...} (optional), "limit_label": str}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.stats import summarize

BENCH_DIR = Path(__file__).resolve().parent.parent
ROOT = BENCH_DIR.parent


@dataclass
class Context:
    """What every benchmark needs: interpreters per side, mode and a scratch directory."""

    ours: Path | None  # the project's interpreter; None when it could not be built
    ref_runtime: Path  # caikit 0.29.1 (repaired)
    ref_compose: Path  # caikit-compose 0.1.0 with caikit 0.25.x
    tools: Path  # load clients, bare servers, redis client, matplotlib
    quick: bool
    workdir: Path
    extra: dict = field(default_factory=dict)

    def rounds(self, quick: int, full: int) -> int:
        """Number of A/B rounds for this mode."""
        return quick if self.quick else full

    def env(self, **overrides: str) -> dict:
        """A child environment: ours + the benchmark dir on PYTHONPATH, plus ``overrides``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNTIME_", "PYTHON"))}
        env["PYTHONPATH"] = str(BENCH_DIR)
        env.update(overrides)
        return env


def side_result(values: list, failed: str = "failed", scale: float = 1.0) -> dict:
    """Summarize samples of one side; a side whose every sample is None reports ``failed``."""
    good = [v * scale for v in values if v is not None]
    if not good:
        return {"error": failed}
    res = summarize(good)
    if len(good) < len(values):
        res["failures"] = len(values) - len(good)
        res["failure"] = failed
    return res


def figure(label: str, unit: str, better: str, sides: dict, limit_label: str | None = None) -> dict:
    """Build one figure record (see module docstring)."""
    fig = {"label": label, "unit": unit, "better": better, **sides}
    if limit_label:
        fig["limit_label"] = limit_label
    return fig


def collect(samples: list[dict | str], key: str) -> list:
    """From per-round worker outputs (dict, or an error string), take ``key`` (None if absent)."""
    return [s.get(key) if isinstance(s, dict) else None for s in samples]


def first_error(samples: list[dict | str]) -> str:
    """The first error message among per-round outputs, for 'not available' cells."""
    for s in samples:
        if isinstance(s, str):
            return s
    return "failed"
