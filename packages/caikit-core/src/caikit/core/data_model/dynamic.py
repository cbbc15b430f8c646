"""The module of the classes ``make_dataobject`` creates without a module of their own.

Their instances pickle like any other data object's: by reference to
``caikit.core.data_model.dynamic.<Name>``, which this module resolves to the class of that name
made in this process. So an instance unpickles in the process that made its class, or in any
process that made the same class (the same compose actor, say); elsewhere the error names
the class. Of two classes made with one name, the later one is found here.
"""
from __future__ import annotations

import threading
from typing import Dict

_lock = threading.Lock()
_classes: Dict[str, type] = {}


def add(cls: type) -> None:
    """Make ``cls`` (made by ``make_dataobject``) findable as an attribute of this module."""
    with _lock:
        _classes[cls.__qualname__] = cls


def __getattr__(name: str) -> type:
    try:
        return _classes[name]
    except KeyError:
        raise AttributeError(
            f"no data object class {name!r} was made by make_dataobject in this process, so "
            f"'{__name__}.{name}' cannot be resolved (make the class before unpickling)"
        ) from None
