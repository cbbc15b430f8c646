"""``Union[...]`` fields: one proto oneof whose members are named ``<field>_<type>``.

The Python attribute (``obj.value``) always holds the value of whichever member is set. The
member can be chosen explicitly (``Foo(value_int=3)``), is remembered when read from proto or
JSON, and is otherwise inferred from the value's type. ``obj.which_oneof("value")`` names it.
"""

from __future__ import annotations

import datetime
import enum
import functools
from typing import Any, Dict, List, Optional, Tuple

from . import _types as T
from . import _values

Members = List[Tuple[str, T.ValueType, str]]


def _fits(value: Any, vtype: T.ValueType) -> bool:
    """Whether a Python value is acceptable for a member type (no coercion across kinds)."""
    kind, py = vtype.kind, vtype.py_type
    if kind == T.SCALAR:
        if py is bool:
            return value is True or value is False
        if py is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if py is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if py is bytes:
            return isinstance(value, (bytes, bytearray, memoryview))
        return isinstance(value, py)
    if kind == T.TIMESTAMP:
        return isinstance(value, datetime.datetime)
    if kind == T.STRUCT:
        return isinstance(value, dict)
    return isinstance(value, py)


def _exact(value: Any, vtype: T.ValueType) -> bool:
    return value.__class__ is vtype.py_type or (vtype.kind == T.STRUCT and value.__class__ is dict)


def infer_member(value: Any, members: Members) -> Tuple[str, T.ValueType, str]:
    """Pick the member for a value: exact type first, then any compatible one."""
    for member in members:
        if _exact(value, member[1]):
            return member
    for member in members:
        if _fits(value, member[1]):
            return member
    names = ", ".join(m[0] for m in members)
    raise TypeError(
        f"value {value!r} of type {type(value).__name__} fits none of the oneof members ({names})"
    )


def _member_named(name: str, members: Members) -> Optional[Tuple[str, T.ValueType, str]]:
    for member in members:
        if member[0] == name:
            return member
    return None


def which_member(obj: Any, field: str, value: Any, members: Members):
    """The member to serialize ``value`` as: the remembered one if it still fits."""
    which = obj.__dict__.get("_caikit_which")
    if which:
        chosen = which.get(field)
        if chosen is not None:
            member = _member_named(chosen, members)
            if member is not None and _fits(value, member[1]):
                return member
    return infer_member(value, members)


def oneof_fill(obj: Any, field: str, value: Any, msg: Any, members: Members, ns: Dict) -> None:
    """Set the proper member of the oneof on a proto message."""
    name, vtype, tag = which_member(obj, field, value, members)
    kind = vtype.kind
    if kind == T.SCALAR:
        setattr(msg, name, value)
    elif kind == T.ENUM:
        setattr(msg, name, _values.enum_to_number(vtype.py_type, value))
    elif kind == T.MESSAGE:
        sub = getattr(msg, name)
        sub.SetInParent()
        ns["F" + tag](value, sub)
    elif kind == T.TIMESTAMP:
        sub = getattr(msg, name)
        sub.SetInParent()
        _values.fill_timestamp(value, sub)
    else:
        _values.fill_struct(value, getattr(msg, name))


def _from_pb_value(value: Any, vtype: T.ValueType, tag: str, ns: Dict) -> Any:
    kind = vtype.kind
    if kind == T.SCALAR:
        return value
    if kind == T.ENUM:
        return ns["EV" + tag][value]
    if kind == T.MESSAGE:
        return ns["R" + tag](value)
    if kind == T.TIMESTAMP:
        return _values.timestamp_out(value)
    return _values.struct_out(value)


def oneof_from_pb(msg: Any, field: str, members: Members, ns: Dict) -> Tuple[Any, Optional[str]]:
    """(value, member name) of the oneof in a proto message, or (None, None) when unset."""
    name = msg.WhichOneof(field)
    if name is None:
        return None, None
    member = _member_named(name, members)
    if member is None:  # a member this class does not know (cannot happen for its own proto)
        return None, None
    try:
        return _from_pb_value(getattr(msg, name), member[1], member[2], ns), name
    except Exception as err:  # pylint: disable=broad-except
        from ._errors import wrap  # pylint: disable=import-outside-toplevel

        raise wrap(err, name) from None


def _to_js_value(value: Any, vtype: T.ValueType, tag: str, ns: Dict, native: bool) -> Any:
    kind = vtype.kind
    if kind == T.SCALAR:
        if vtype.py_type is bytes:
            return _values.check_bytes(value) if native else _values.bytes_to_json(value)
        if vtype.py_type is float:
            return _values.check_float(value)
        return value
    if kind == T.ENUM:
        return _values.enum_to_json(vtype.py_type, value)
    if kind == T.MESSAGE:
        return ns[("D" if native else "J") + tag](value)
    if kind == T.TIMESTAMP:
        return _values.datetime_in(value) if native else _values.datetime_to_json(value)
    return value


def oneof_to_js(
    obj: Any,
    field: str,
    value: Any,
    out: Dict,
    members: Members,
    ns: Dict,
    native: bool = False,
    under_field: bool = False,
) -> None:
    """Write the oneof into a dict under the set member's name (or, for a class that asks for
    it, under the field's own name); an unset oneof writes nothing (as caikit 0.29.1 does)."""
    if value is None:
        return
    name, vtype, tag = which_member(obj, field, value, members)
    try:
        out[field if under_field else name] = _to_js_value(value, vtype, tag, ns, native)
    except Exception as err:  # pylint: disable=broad-except
        from ._errors import wrap  # pylint: disable=import-outside-toplevel

        raise wrap(err, name) from None


_JS_CHECKS = {
    str: _values.check_str,
    int: _values.check_int,
    float: _values.check_float,
    bool: _values.check_bool,
    bytes: _values.bytes_from_json,
}


def _from_js_value(value: Any, vtype: T.ValueType, tag: str, ns: Dict) -> Any:
    kind = vtype.kind
    if kind == T.SCALAR:
        if vtype.py_type is int:
            return _values.int_in(value, vtype.proto_type)
        return _JS_CHECKS[vtype.py_type](value)
    if kind == T.ENUM:
        return _values.enum_in(vtype.py_type, value)
    if kind == T.MESSAGE:
        if isinstance(value, vtype.py_type):
            return value
        return ns["K" + tag](value)
    if kind == T.TIMESTAMP:
        return _values.datetime_in(value)
    return _values.struct_in(value)


def _infer_from_js(value: Any, members: Members):
    """Which member a JSON value given under the oneof's own name belongs to."""
    try:
        return infer_member(value, members)
    except TypeError:
        pass
    # JSON spellings: dicts for messages, strings for enums / timestamps / bytes
    for member in members:
        kind = member[1].kind
        if isinstance(value, dict) and kind == T.MESSAGE:
            return member
        if isinstance(value, str) and kind in (T.ENUM, T.TIMESTAMP):
            return member
    raise TypeError(
        f"value {value!r} fits none of the oneof members ({', '.join(m[0] for m in members)})"
    )


def oneof_from_js(data: Dict, field: str, members: Members, ns: Dict) -> Tuple[Any, Optional[str]]:
    """Read a oneof from a JSON-like dict: under a member name, or under the field's name."""
    from ._errors import wrap  # pylint: disable=import-outside-toplevel

    found = [m for m in members if m[0] in data and data[m[0]] is not None]
    if len(found) > 1:
        raise wrap(
            ValueError(f"more than one member of oneof given: {[m[0] for m in found]}"), field
        )
    if found:
        name, vtype, tag = found[0]
        try:
            return _from_js_value(data[name], vtype, tag, ns), name
        except Exception as err:  # pylint: disable=broad-except
            raise wrap(err, name) from None
    value = data.get(field)
    if value is None:
        return None, None
    try:
        name, vtype, tag = _infer_from_js(value, members)
        return _from_js_value(value, vtype, tag, ns), name
    except Exception as err:  # pylint: disable=broad-except
        raise wrap(err, field) from None


def install_oneof_accessors(cls: Any, plans: List[T.FieldPlan]) -> None:
    """Give a class with Union fields member keyword arguments and member properties."""
    oneofs = [p for p in plans if p.shape == T.ONEOF]
    if not oneofs:
        return
    member_to_field = {m.name: p.name for p in oneofs for m in p.members}
    field_names = {p.name for p in plans}
    original_init: Any = cls.__init__

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):
        chosen = None
        for key in [k for k in kwargs if k in member_to_field and k not in field_names]:
            field = member_to_field[key]
            value = kwargs.pop(key)
            if field in kwargs and kwargs[field] is not None and value is not None:
                raise TypeError(f"{cls.__name__}: give either {field!r} or {key!r}, not both")
            if value is None:
                continue
            kwargs[field] = value
            chosen = chosen or {}
            chosen[field] = key
        original_init(self, *args, **kwargs)
        if chosen:
            self.__dict__["_caikit_which"] = chosen

    cls.__init__ = __init__  # type: ignore[misc]

    for plan in oneofs:
        for member in plan.members:
            if member.name in field_names or member.name in cls.__dict__:
                continue
            setattr(cls, member.name, _member_property(plan.name, member.name, plan))


def _member_property(field: str, member_name: str, plan: T.FieldPlan) -> property:
    members = [(m.name, m.value, "") for m in plan.members]

    def getter(self):
        value = getattr(self, field)
        if value is None:
            return None
        try:
            chosen = which_member(self, field, value, members)[0]
        except TypeError:
            return None
        return value if chosen == member_name else None

    def setter(self, value):
        setattr(self, field, value)
        which = self.__dict__.setdefault("_caikit_which", {})
        which[field] = member_name

    return property(getter, setter, doc=f"The {field!r} oneof when its member is {member_name!r}")


def which_oneof(obj: Any, field: str, plans_by_name: Dict[str, T.FieldPlan]) -> Optional[str]:
    """Name of the member set in oneof ``field`` of ``obj`` (None when unset)."""
    plan = plans_by_name.get(field)
    if plan is None or plan.shape != T.ONEOF:
        raise ValueError(f"{type(obj).__name__} has no oneof named {field!r}")
    value = getattr(obj, field)
    if value is None:
        return None
    members = [(m.name, m.value, "") for m in plan.members]
    return which_member(obj, field, value, members)[0]


def is_enum_value(value: Any) -> bool:
    """True for Enum members."""
    return isinstance(value, enum.Enum)
