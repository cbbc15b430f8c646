"""Turn the values a module puts in its config into plain YAML-safe data."""
from __future__ import annotations

import datetime
import enum
import os
from typing import Any

__all__ = ["to_yaml_safe"]

_SCALARS = (str, int, float, bool, bytes, type(None), datetime.date, datetime.datetime)


def to_yaml_safe(value: Any, path: str = "config") -> Any:
    """A copy of ``value`` that ``yaml.safe_dump`` can write and ``yaml.safe_load`` reads back.

    Sets and frozensets become sorted lists (insertion order when elements do not sort), tuples
    become lists, enums their value, path-likes strings, numpy scalars and arrays Python values
    and lists, and data objects their ``to_dict()``.

    Args:
        value: what to convert
        path: where ``value`` sits, for error messages (``config.name_list[3]``)

    Raises:
        TypeError: a value (or dict key) has no YAML-safe form; the message gives its path
    """
    if isinstance(value, enum.Enum):
        return to_yaml_safe(value.value, path)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, enum.Enum):
                key = key.value
            if not isinstance(key, (str, int, float, bool)):
                raise TypeError(f"{path} has a key that cannot be written to config.yml: {key!r}")
            out[key] = to_yaml_safe(item, f"{path}.{key}")
        return out
    if isinstance(value, (set, frozenset)):
        items = list(value)
        try:
            items = sorted(items)
        except TypeError:
            pass
        return [to_yaml_safe(item, f"{path}[{i}]") for i, item in enumerate(items)]
    if isinstance(value, (list, tuple)):
        return [to_yaml_safe(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    for method in ("tolist", "item"):  # numpy arrays and scalars
        convert = getattr(value, method, None)
        if callable(convert) and type(value).__module__.split(".")[0] == "numpy":
            return to_yaml_safe(convert(), path)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_yaml_safe(to_dict(), path)
    raise TypeError(
        f"{path} cannot be written to config.yml: {value!r} ({type(value).__qualname__}) has no "
        f"YAML form; convert it to str, int, float, bool, list or dict first"
    )
