"""Create the dataobjects of generated request messages (once per process and name).

Generated messages are ordinary dataobjects made with ``make_dataobject``: they are
registered, have protobuf classes in the default pool, and convert to and from proto, JSON and
dicts like any other. Asking twice for the same name with the same fields returns the same
class; with different fields it is an error (one process serves one interface).
"""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["generated_messages", "make_message"]

_CACHE: Dict[str, Tuple[tuple, type]] = {}
_LOCK = threading.Lock()


def make_message(
    name: str,
    package: str,
    fields: Sequence[Tuple[str, Any, bool]],
    attrs: Optional[Dict[str, Any]] = None,
) -> type:
    """The dataobject ``<package>.<name>`` with ``fields``.

    Args:
        name: message name
        package: proto package
        fields: ``(field name, type, proto3 optional)`` in field-number order
        attrs: extra class attributes (methods) for the class

    Raises:
        TypeError: the same name was generated with other fields, or a type is not supported
    """
    from caikit.core.data_model import make_dataobject

    annotations: Dict[str, Any] = {}
    for field_name, field_type, optional in fields:
        annotations[field_name] = Optional[field_type] if optional else field_type
    full_name = f"{package}.{name}" if package else name
    key = tuple((n, repr(annotations[n])) for n in annotations)
    with _LOCK:
        cached = _CACHE.get(full_name)
        if cached is not None:
            if cached[0] != key:
                raise TypeError(
                    f"Message {full_name!r} was already generated with fields {cached[0]!r}; "
                    f"cannot regenerate it with {key!r}"
                )
            return cached[1]
        cls = make_dataobject(
            name,
            annotations,
            attrs=dict(attrs or {}),
            package=package,
            module="caikit.runtime.generated",
        )
        _CACHE[full_name] = (key, cls)
        return cls


def generated_messages(package: Optional[str] = None) -> List[type]:
    """Every message generated so far (of ``package`` if given), by full name."""
    with _LOCK:
        items = sorted(_CACHE.items())
    return [cls for full_name, (_, cls) in items if package is None or full_name.rsplit(".", 1)[0] == package]
