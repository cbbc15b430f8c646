"""The registry of every @dataobject class and enum, keyed by full protobuf name.

The runtime and caikit-compose resolve data types by their full proto name through here (never
through import strings).
"""

from __future__ import annotations

import threading
from typing import Dict, Iterator, List

_LOCK = threading.Lock()
_BY_FULL_NAME: Dict[str, type] = {}


class DataObjectNotFoundError(LookupError, ValueError):
    """No dataobject or enum is registered under the requested name."""

    def __init__(self, name: str, candidates: List[str]):
        self.name = name
        self.candidates = candidates
        if candidates:
            detail = f"; ambiguous between {', '.join(sorted(candidates))}"
        else:
            detail = ""
        super().__init__(f"no dataobject registered under the name {name!r}{detail}")


def register(full_name: str, cls: type) -> None:
    """Record ``cls`` under ``full_name`` (a redefinition replaces the older class)."""
    with _LOCK:
        _BY_FULL_NAME[full_name] = cls


def lookup(name: str) -> type:
    """Find a class by full proto name, or by bare name when that is unambiguous."""
    cls = _BY_FULL_NAME.get(name)
    if cls is not None:
        return cls
    with _LOCK:
        matches = [full for full in _BY_FULL_NAME if full.rsplit(".", 1)[-1] == name]
    if len(matches) == 1:
        return _BY_FULL_NAME[matches[0]]
    raise DataObjectNotFoundError(name, matches)


def all_classes() -> Dict[str, type]:
    """A snapshot of ``{full_name: class}`` for every registered dataobject and enum."""
    with _LOCK:
        return dict(_BY_FULL_NAME)


def iter_classes() -> Iterator[type]:
    """Iterate the registered classes (messages and enums) in registration order."""
    return iter(list(all_classes().values()))
