"""Dictionary helpers."""
from __future__ import annotations

from typing import Any, Dict

__all__ = ["deep_merge"]


def deep_merge(base: Dict[str, Any], overrides: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ``overrides`` into ``base`` recursively, in place, and return ``base``.

    Where both sides hold a dict under the same key the merge recurses; otherwise the value from
    ``overrides`` wins.

    Args:
        base: the dict to update
        overrides: the values that take precedence

    Returns:
        ``base``, updated
    """
    for key, value in overrides.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value)
        else:
            base[key] = value
    return base
