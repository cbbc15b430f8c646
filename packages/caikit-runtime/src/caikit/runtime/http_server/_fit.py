"""Refuse request values that protobuf cannot carry (422, not a crash or a bad answer later).

``from_dict`` is lenient in two ways that the gRPC wire is not:

* a JSON ``null`` inside a ``List[SomeDataObject]`` (or a map of them) stays ``None``, and model
  code iterating the list then fails with an ``AttributeError`` (a 500);
* an integer outside its field's range (``int64`` by default) is kept, and is then echoed in
  answers that break the documented schema or fails wherever it is serialized.

Until the data model refuses them itself, every request type is checked by a function built
once per class from its field plans. A class without list/map-of-object or integer fields
(directly or in nested objects) gets no check at all, so the common request costs nothing.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from ._errors import ValidationError
from ._schema import int_range

__all__ = ["fit_check"]

Check = Callable[[Any, List[Any]], None]

_CACHE: Dict[type, Optional[Check]] = {}


def _message_class(value: Any) -> Optional[type]:
    if value is not None and getattr(value, "kind", None) == "message":
        return value.py_type
    return None


def _int_bounds(value: Any) -> Optional[tuple]:
    if value is not None and getattr(value, "kind", None) == "scalar" and value.py_type is int:
        return int_range(value.proto_type)
    return None


def _where(path: List[Any]) -> str:
    return ".".join(str(p) for p in path)


def _null(path: List[Any]) -> None:
    raise ValidationError(f"{_where(path)}: null is not allowed in a list or map of objects", ["body", *path], "null_element")


def _out_of_range(path: List[Any], value: int, bounds: tuple) -> None:
    raise ValidationError(
        f"{_where(path)}: {value} is outside [{bounds[0]}, {bounds[1]}]", ["body", *path], "int_range"
    )


def _value_check(value: Any, building: Dict[type, Any]) -> Optional[Callable[[Any, List[Any]], None]]:
    """A check of one (non-None) element of a field's value type, or None if it needs none."""
    bounds = _int_bounds(value)
    if bounds is not None:
        low, high = bounds

        def check_int(element: Any, path: List[Any]) -> None:
            if element.__class__ is int and not low <= element <= high:
                _out_of_range(path, element, bounds)

        return check_int
    element_class = _message_class(value)
    if element_class is not None:
        return _build(element_class, building)
    return None


def _build(cls: type, building: Dict[type, Any]) -> Optional[Check]:
    if cls in _CACHE:
        return _CACHE[cls]
    if cls in building:  # a recursive type: look the finished check up when it runs
        return lambda obj, path: (_CACHE.get(cls) or (lambda o, p: None))(obj, path)
    building[cls] = True
    parts: List[Check] = []
    for name, plan in (getattr(cls, "_caikit_plans", None) or {}).items():
        shape = plan.shape
        if shape in ("list", "map"):
            is_map = shape == "map"
            objects = _message_class(plan.value) is not None
            inner = _value_check(plan.value, building)
            key_check = _value_check(plan.key, building) if is_map else None
            if objects or inner is not None or key_check is not None:
                parts.append(_container_check(name, is_map, objects, inner, key_check))
        elif shape == "single":
            inner = _value_check(plan.value, building)
            if inner is not None:
                parts.append(_single_check(name, inner))
        elif shape == "oneof":
            for member in plan.members:
                inner = _value_check(member.value, building)
                if inner is not None:
                    parts.append(_single_check(name, inner))
    del building[cls]
    check: Optional[Check] = None
    if parts:

        def check(obj: Any, path: List[Any]) -> None:
            for part in parts:
                part(obj, path)

    _CACHE[cls] = check
    return check


def _container_check(name: str, is_map: bool, objects: bool, inner: Optional[Check], key_check: Optional[Check]) -> Check:
    def check(obj: Any, path: List[Any]) -> None:
        values = getattr(obj, name, None)
        if not values:
            return
        items = values.items() if is_map else enumerate(values)
        for key, element in items:
            if element is None:
                if objects:
                    _null([*path, name, key])
                continue
            if key_check is not None:
                key_check(key, [*path, name, key])
            if inner is not None:
                inner(element, [*path, name, key])

    return check


def _single_check(name: str, inner: Check) -> Check:
    def check(obj: Any, path: List[Any]) -> None:
        value = getattr(obj, name, None)
        if value is not None:
            inner(value, [*path, name])

    return check


def fit_check(cls: type) -> Optional[Callable[[Any], None]]:
    """A function raising :class:`ValidationError` (422) when an instance of ``cls`` holds a
    value protobuf cannot carry, anywhere inside it; None when ``cls`` cannot hold one."""
    check = _build(cls, {})
    if check is None:
        return None
    return lambda obj: check(obj, [])
