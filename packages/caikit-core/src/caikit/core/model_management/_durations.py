"""Parse retention durations such as ``1d``, ``12h``, ``30m``, ``1d2h30m``, ``45s``, ``0.5s``."""
from __future__ import annotations

import datetime
import re
from typing import Any, Optional

__all__ = ["parse_duration"]

_DURATION = re.compile(
    r"^\s*(?:(?P<days>\d+(?:\.\d+)?)d)?\s*(?:(?P<hours>\d+(?:\.\d+)?)h)?\s*"
    r"(?:(?P<minutes>\d+(?:\.\d+)?)m)?\s*(?:(?P<seconds>\d+(?:\.\d+)?)s)?\s*$"
)


def parse_duration(value: Any) -> Optional[datetime.timedelta]:
    """A timedelta from a duration string or a number of seconds.

    Args:
        value: ``None`` (no limit), a number of seconds, a ``timedelta``, or a string made of
            ``<n>d``, ``<n>h``, ``<n>m`` and ``<n>s`` parts in that order

    Returns:
        the duration, or None for ``None``

    Raises:
        ValueError: not a duration (the message quotes the value)
    """
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"Invalid duration {value!r}: expected e.g. '1d', '12h', '30m', '45s'")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"Invalid duration {value!r}: must not be negative")
        return datetime.timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and any(match.groupdict().values()):
            parts = {key: float(val) for key, val in match.groupdict().items() if val is not None}
            return datetime.timedelta(**parts)
        try:
            return parse_duration(float(value))
        except ValueError:
            pass
    raise ValueError(
        f"Invalid duration {value!r}: expected e.g. '1d', '12h', '30m', '1d2h', '45s' or a number of seconds"
    )
