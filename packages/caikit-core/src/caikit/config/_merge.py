"""Deep merge of configuration mappings."""
from typing import Any, Mapping


def merge_configs(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """Merge ``overrides`` onto ``base`` and return a new dict; neither input is changed.

    Mappings merge recursively; any other value in ``overrides`` replaces the one in ``base``.
    A mapping in ``overrides`` carrying ``merge_strategy: override`` replaces its counterpart
    whole. Keys of ``overrides`` come first in the result, followed by the keys only ``base``
    has: an override file's keys therefore lead, as caikit users are used to seeing.
    """
    if overrides.get("merge_strategy") == "override":
        return {k: v for k, v in overrides.items() if k != "merge_strategy"}
    merged: dict = {}
    for key, value in overrides.items():
        current = base.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_configs(current, value)
        elif isinstance(value, Mapping):
            merged[key] = merge_configs({}, value)
        else:
            merged[key] = value
    for key, value in base.items():
        if key not in merged:
            merged[key] = value
    return merged
