"""Medians and spreads of repeated measurements."""

from __future__ import annotations

import statistics


def quantile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``values`` by linear interpolation."""
    data = sorted(values)
    if not data:
        raise ValueError("quantile of an empty list")
    pos = (len(data) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summarize(values: list[float]) -> dict:
    """Return median, min, max, quartiles and count of ``values`` (empty dict if none)."""
    values = [v for v in values if v is not None]
    if not values:
        return {}
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "q1": quantile(values, 0.25),
        "q3": quantile(values, 0.75),
        "n": len(values),
    }
