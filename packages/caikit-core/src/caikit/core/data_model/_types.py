"""Turn a dataobject's Python annotations into a field plan.

A *field plan* is the one place where typing introspection happens: it is computed once when a
class is decorated, and both the protobuf descriptor builder and the converter code generator
read it. Nothing in here runs per conversion.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Any, Dict, List, Optional, Tuple, Union

# proto field types (google.protobuf.descriptor_pb2.FieldDescriptorProto.Type); kept as plain
# ints so this module does not import protobuf
TYPE_DOUBLE = 1
TYPE_FLOAT = 2
TYPE_INT64 = 3
TYPE_UINT64 = 4
TYPE_INT32 = 5
TYPE_BOOL = 8
TYPE_STRING = 9
TYPE_MESSAGE = 11
TYPE_BYTES = 12
TYPE_UINT32 = 13
TYPE_ENUM = 14

SCALAR_PROTO_TYPES = {
    str: TYPE_STRING,
    int: TYPE_INT64,
    float: TYPE_DOUBLE,
    bool: TYPE_BOOL,
    bytes: TYPE_BYTES,
}

TIMESTAMP_FULL_NAME = "google.protobuf.Timestamp"
STRUCT_FULL_NAME = "google.protobuf.Struct"

# value kinds
SCALAR = "scalar"
ENUM = "enum"
MESSAGE = "message"
TIMESTAMP = "timestamp"
STRUCT = "struct"

# field shapes
SINGLE = "single"
LIST = "list"
MAP = "map"
ONEOF = "oneof"

_NONE_TYPE = type(None)


@dataclasses.dataclass
class ValueType:
    """One non-container value type: a scalar, enum, message, timestamp or JSON struct."""

    kind: str
    py_type: Any
    proto_type: int
    # full proto name (no leading dot) of the message or enum type, else None
    type_name: Optional[str] = None
    # the enum had no 0 member, so the proto enum got a PLACEHOLDER_UNSET = 0 value
    enum_placeholder: bool = False
    # a plain (undecorated) Enum nested into the message that uses it
    nested_enum: bool = False

    label_override: Optional[str] = None

    @property
    def label(self) -> str:
        """Short lower-case type label used to name oneof members (``int``, ``foo``...)."""
        if self.label_override:
            return self.label_override
        return getattr(self.py_type, "__name__", str(self.py_type)).lower()


@dataclasses.dataclass
class OneofMember:
    """One alternative of a ``Union[...]`` field: its own proto field inside the oneof."""

    name: str
    number: int
    value: ValueType


@dataclasses.dataclass
class FieldPlan:
    """Everything the descriptor builder and the code generator need to know about a field."""

    name: str
    number: int
    shape: str
    # ``value`` is None only for ONEOF plans (whose members carry values); ``key`` only for MAP
    value: ValueType = None  # type: ignore[assignment]
    key: ValueType = None  # type: ignore[assignment]
    # Python-optional: ``None`` is a value of the field (JSON without it gives the default)
    optional: bool = False
    # the proto field tracks presence (a one-member ``_<field>`` oneof), so unset and the zero
    # value differ on the wire
    presence: bool = False
    members: List[OneofMember] = dataclasses.field(default_factory=list)
    annotation: Any = None
    # a ONEOF written to JSON / dicts under the field's name instead of the set member's name
    # (the class lists it in ``_caikit_json_oneofs_under_field``, as caikit's Vector1D does)
    json_under_field: bool = False

    @property
    def proto_numbers(self) -> List[int]:
        """The proto field numbers this Python field occupies."""
        if self.shape == ONEOF:
            return [m.number for m in self.members]
        return [self.number]


def _is_json_dict(tp: Any) -> bool:
    if typing.get_origin(tp) in (dict, Dict):
        args = typing.get_args(tp)
        return len(args) == 2 and args[0] is str and args[1] is Any
    return False


class FieldNumber(int):
    """``Annotated[T, FieldNumber(n)]`` pins a field's proto number (auto numbering skips it)."""

    def __new__(cls, value: int):
        number = super().__new__(cls, value)
        if number < 1 or number > 536870911 or 19000 <= number <= 19999:
            raise ValueError(f"invalid proto field number {value!r}")
        return number


class ProtoScalar:
    """``Annotated`` marker choosing a non-default proto scalar type for an int or float."""

    def __init__(self, proto_type: int, py_type: type, label: str):
        self.proto_type = proto_type
        self.py_type = py_type
        self.label = label

    def __repr__(self) -> str:
        return f"ProtoScalar({self.label})"


#: ``int`` fields stored as ``uint32`` / ``uint64`` / ``int32``, ``float`` fields as ``float``
UInt32 = typing.Annotated[int, ProtoScalar(TYPE_UINT32, int, "uint32")]
UInt64 = typing.Annotated[int, ProtoScalar(TYPE_UINT64, int, "uint64")]
Int32 = typing.Annotated[int, ProtoScalar(TYPE_INT32, int, "int32")]
Float32 = typing.Annotated[float, ProtoScalar(TYPE_FLOAT, float, "float32")]


class OneofField(str):
    """``Union[Annotated[T, OneofField("name")], ...]`` names one member of a oneof."""


class _Counter:
    """Hands out field numbers: every proto field (each member of a ``Union`` included) takes
    the next position, and an unpinned field is numbered by its position. A pinned field
    (``FieldNumber``) keeps its number but still uses up a position, as caikit 0.29.1 does:
    ``a: int; b: Annotated[int, FieldNumber(10)]; c: int`` numbers ``c`` 3, not 2."""

    def __init__(self):
        self.next = 1

    def number_for(self, annotation: Any) -> int:
        pinned = annotation_extra(annotation, FieldNumber)
        number = self.next
        self.next += 1
        return number if pinned is None else int(pinned)


def annotation_extra(tp: Any, kind: type) -> Any:
    """The (single) ``Annotated`` extra of type ``kind`` anywhere in the wrapping, or None."""
    found: List[Any] = []
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            args = typing.get_args(tp)
            found.extend(a for a in args[1:] if isinstance(a, kind))
            tp = args[0]
            continue
        inner, was_optional = _split_optional_once(tp)
        if was_optional and inner is not tp:
            tp = inner
            continue
        break
    if len(found) > 1:
        raise TypeError(f"more than one {kind.__name__} annotation in {tp!r}")
    return found[0] if found else None


def _split_optional_once(tp: Any) -> Tuple[Any, bool]:
    if typing.get_origin(tp) is Union or _is_union_type(tp):
        args = typing.get_args(tp)
        if _NONE_TYPE in args:
            rest = tuple(a for a in args if a is not _NONE_TYPE)
            if len(rest) == 1:
                return rest[0], True
    return tp, False


def strip_annotated(tp: Any) -> Any:
    """Remove any ``Annotated[...]`` wrapping (extra metadata is tolerated and ignored)."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def split_optional(tp: Any) -> Tuple[Any, bool]:
    """Return ``(inner_type, was_optional)`` for ``Optional[T]`` / ``Union[T, None]``."""
    tp = strip_annotated(tp)
    origin = typing.get_origin(tp)
    if origin is Union or _is_union_type(tp):
        args = typing.get_args(tp)
        if _NONE_TYPE in args:
            rest = tuple(strip_annotated(a) for a in args if a is not _NONE_TYPE)
            if len(rest) == 1:
                return rest[0], True
            return Union[rest], True  # type: ignore[return-value]
    return tp, False


def _is_union_type(tp: Any) -> bool:
    union_type = getattr(__import__("types"), "UnionType", None)
    return union_type is not None and isinstance(tp, union_type)


def value_type_for(tp: Any, where: str, owner: type, marker: Any = None) -> ValueType:
    """Describe a non-container type, or raise ``TypeError`` naming the field."""
    # imported here to avoid an import cycle (base imports this module)
    from .base import DataBase  # pylint: disable=import-outside-toplevel

    marker = marker or annotation_extra(tp, ProtoScalar)
    tp = strip_annotated(tp)
    if marker is not None:
        if tp is not marker.py_type:
            raise TypeError(f"{where}: {marker!r} applies to {marker.py_type.__name__}, not {tp!r}")
        vtype = ValueType(SCALAR, tp, marker.proto_type)
        vtype.label_override = marker.label
        return vtype
    if tp in SCALAR_PROTO_TYPES:
        return ValueType(SCALAR, tp, SCALAR_PROTO_TYPES[tp])
    if tp is datetime.datetime:
        return ValueType(TIMESTAMP, tp, TYPE_MESSAGE, TIMESTAMP_FULL_NAME)
    if _is_json_dict(tp) or tp is dict:
        return ValueType(STRUCT, dict, TYPE_MESSAGE, STRUCT_FULL_NAME)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        full_name = getattr(tp, "_caikit_full_name", None)
        values = [m.value for m in tp]
        placeholder = 0 not in values
        if full_name is None:
            # an undecorated Enum is nested into the message that uses it
            return ValueType(
                ENUM, tp, TYPE_ENUM, None, enum_placeholder=placeholder, nested_enum=True
            )
        return ValueType(ENUM, tp, TYPE_ENUM, full_name, enum_placeholder=placeholder)
    if isinstance(tp, type) and issubclass(tp, DataBase):
        if tp is owner:
            # self reference: the full name is filled in by the caller
            return ValueType(MESSAGE, tp, TYPE_MESSAGE, None)
        full_name = tp.__dict__.get("_caikit_full_name")
        if full_name is None:
            raise TypeError(f"{where}: {tp.__name__!r} is not decorated with @dataobject")
        return ValueType(MESSAGE, tp, TYPE_MESSAGE, full_name)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        raise TypeError(
            f"{where}: plain dataclass {tp.__name__!r} is not supported; decorate it with "
            "@dataobject"
        )
    raise TypeError(f"{where}: unsupported field type {tp!r}")


def plan_field(
    name: str, annotation: Any, counter: _Counter, has_default: bool, owner: type
) -> FieldPlan:
    """Build the plan of one field, taking proto numbers from ``counter``."""
    where = f"{owner.__name__}.{name}"
    inner, was_optional = split_optional(annotation)
    origin = typing.get_origin(inner)

    if origin in (list, List, typing.Sequence) or inner is list:
        args = typing.get_args(inner)
        if len(args) != 1:
            raise TypeError(f"{where}: a list field needs an element type, got {annotation!r}")
        elem_marker = annotation_extra(args[0], ProtoScalar)
        elem = strip_annotated(args[0])
        nested = typing.get_origin(elem) in (list, List, dict, Dict) and not _is_json_dict(elem)
        if nested or split_optional(elem)[1]:
            raise TypeError(
                f"{where}: nested containers and optional elements are not supported, "
                f"got {annotation!r}"
            )
        value = value_type_for(elem, where, owner, elem_marker)
        return FieldPlan(
            name, counter.number_for(annotation), LIST, value=value, annotation=annotation
        )

    if (origin in (dict, Dict) and not _is_json_dict(inner)) and inner is not dict:
        args = typing.get_args(inner)
        if len(args) != 2:
            raise TypeError(f"{where}: a dict field needs key and value types")
        key = value_type_for(args[0], where, owner)
        if key.kind != SCALAR or key.py_type in (float, bytes):
            raise TypeError(f"{where}: map keys must be str, int or bool, got {args[0]!r}")
        val_tp = strip_annotated(args[1])
        if typing.get_origin(val_tp) in (list, List, dict, Dict) and not _is_json_dict(val_tp):
            raise TypeError(f"{where}: map values cannot be containers, got {args[1]!r}")
        value = value_type_for(val_tp, where, owner, annotation_extra(args[1], ProtoScalar))
        return FieldPlan(
            name, counter.number_for(annotation), MAP, key=key, value=value, annotation=annotation
        )

    if origin is Union or _is_union_type(inner):
        members = []
        seen = set()
        for raw_arg in typing.get_args(inner):
            arg = strip_annotated(raw_arg)
            if typing.get_origin(arg) in (list, List, dict, Dict):
                raise TypeError(
                    f"{where}: containers inside a Union are not supported, got {arg!r}"
                )
            value = value_type_for(arg, where, owner, annotation_extra(raw_arg, ProtoScalar))
            member_name = annotation_extra(raw_arg, OneofField) or f"{name}_{value.label}"
            if member_name in seen:
                raise TypeError(f"{where}: Union has two members named {member_name!r}")
            seen.add(member_name)
            members.append(OneofMember(str(member_name), counter.number_for(raw_arg), value))
        return FieldPlan(name, members[0].number, ONEOF, members=members, annotation=annotation)

    value = value_type_for(inner, where, owner, annotation_extra(annotation, ProtoScalar))
    return FieldPlan(
        name,
        counter.number_for(annotation),
        SINGLE,
        value=value,
        optional=was_optional or has_default,
        presence=has_default or is_bare_optional(annotation),
        annotation=annotation,
    )


def is_bare_optional(annotation: Any) -> bool:
    """``Optional[T]`` (``Union[T, None]``, ``T | None``) as the outermost form of a field's
    annotation, where presence is tracked. caikit 0.29.1 (py-to-proto) does not look inside
    ``Annotated``: ``Annotated[Optional[T], FieldNumber(n)]`` (as in all of caikit's nlp
    messages) is a plain proto3 field, while ``Optional[Annotated[T, FieldNumber(n)]]`` and a
    field with a class default (of any type, ``None`` included) get a ``_<field>`` oneof."""
    if typing.get_origin(annotation) is Union or _is_union_type(annotation):
        return _NONE_TYPE in typing.get_args(annotation)
    return False


def resolve_hints(cls: type) -> Dict[str, Any]:
    """Resolve (possibly string) annotations of ``cls``, keeping ``Annotated`` extras."""
    localns = {cls.__name__: cls}
    try:
        return typing.get_type_hints(cls, localns=localns, include_extras=True)
    except NameError as err:
        raise TypeError(f"{cls.__name__}: cannot resolve annotation: {err}") from err


def plan_class(cls: type, field_names: List[str], has_default: Dict[str, bool]) -> List[FieldPlan]:
    """Plan every field of ``cls`` in declaration order, numbering proto fields from 1."""
    hints = resolve_hints(cls)
    plans = []
    counter = _Counter()
    used: Dict[int, str] = {}
    for name in field_names:
        plan = plan_field(name, hints[name], counter, has_default.get(name, False), cls)
        for number in plan.proto_numbers:
            if number in used:
                raise TypeError(
                    f"{cls.__name__}.{name}: proto field number {number} is already used by "
                    f"{used[number]!r}"
                )
            used[number] = name
        plans.append(plan)
    return plans
