"""Build protobuf descriptors for dataobjects at decoration time (no generated code on disk).

Every dataobject message and every dataobject enum gets its own ``.proto`` file in the default
descriptor pool, so that services built later (gRPC, reflection) can refer to them.
"""

from __future__ import annotations

import enum
from typing import Any, Dict, Iterable, List, Optional, Set

from google.protobuf import (  # noqa: F401  (registers the WKT files)
    descriptor_pb2,
    descriptor_pool,
    message_factory,
    struct_pb2,
    timestamp_pb2,
)

from . import _types as T

_LABEL_OPTIONAL = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
_LABEL_REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED

_WKT_FILES = {
    T.TIMESTAMP_FULL_NAME: "google/protobuf/timestamp.proto",
    T.STRUCT_FULL_NAME: "google/protobuf/struct.proto",
}

PLACEHOLDER_UNSET = "PLACEHOLDER_UNSET"


def get_pool() -> descriptor_pool.DescriptorPool:
    """The pool that holds every dataobject descriptor (protobuf's default pool)."""
    return descriptor_pool.Default()


def file_name_for(package: str, name: str) -> str:
    """The ``.proto`` file name used for a dataobject's message or enum."""
    # caikit 0.29.1 names files "<package>.<lowercased name>.proto"
    return f"{package}.{name.lower()}.proto" if package else f"{name.lower()}.proto"


def snake_to_upper_camel(name: str) -> str:
    """``foo_bar`` -> ``FooBar`` (used for map entry names)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def enum_values(enum_cls: Any) -> List[tuple]:
    """``(name, number)`` pairs of a Python Enum, with a PLACEHOLDER_UNSET = 0 first if needed."""
    values = []
    for member_name, member in enum_cls.__members__.items():
        value = member.value
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(
                f"enum {enum_cls.__name__}.{member_name}: proto enum values must be int, "
                f"got {value!r}"
            )
        values.append((member_name, value))
    if 0 not in [v for _, v in values]:
        values.insert(0, (PLACEHOLDER_UNSET, 0))
    return values


def _fill_enum_proto(enum_proto: descriptor_pb2.EnumDescriptorProto, enum_cls: Any, name: str):
    enum_proto.name = name
    numbers: Set[int] = set()
    alias = False
    for member_name, number in enum_values(enum_cls):
        alias = alias or number in numbers
        numbers.add(number)
        enum_proto.value.add(name=member_name, number=number)
    # caikit 0.29.1 always sets the option explicitly
    enum_proto.options.allow_alias = alias


def build_enum_file(enum_cls: type, package: str, name: str) -> descriptor_pb2.FileDescriptorProto:
    """A file holding one top-level enum."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name=file_name_for(package, name), package=package, syntax="proto3"
    )
    _fill_enum_proto(fdp.enum_type.add(), enum_cls, name)
    return fdp


class _MessageBuilder:
    """Accumulates one message's DescriptorProto plus the files it depends on."""

    def __init__(self, package: str, name: str):
        self.package = package
        self.name = name
        self.full_name = f"{package}.{name}" if package else name
        self.proto = descriptor_pb2.DescriptorProto(name=name)
        self.deps: List[str] = []
        self.nested_enums: Dict[type, str] = {}
        self.optional_fields: List[descriptor_pb2.FieldDescriptorProto] = []

    def _dep(self, file_name: str):
        if file_name not in self.deps:
            self.deps.append(file_name)

    def _type_ref(self, value: T.ValueType, fld: descriptor_pb2.FieldDescriptorProto):
        fld.type = value.proto_type
        if value.kind == T.SCALAR:
            return
        if value.kind == T.ENUM and value.nested_enum:
            enum_name = self.nested_enums.get(value.py_type)
            if enum_name is None:
                enum_name = value.py_type.__name__
                self.nested_enums[value.py_type] = enum_name
                _fill_enum_proto(self.proto.enum_type.add(), value.py_type, enum_name)
            fld.type_name = f".{self.full_name}.{enum_name}"
            return
        type_name = value.type_name or self.full_name
        fld.type_name = "." + type_name
        if type_name in _WKT_FILES:
            self._dep(_WKT_FILES[type_name])
        elif type_name != self.full_name:
            self._dep(get_pool().FindFileContainingSymbol(type_name).name)

    def add_field(self, plan: T.FieldPlan):
        """Add the proto field(s) of one planned Python field."""
        if plan.shape == T.ONEOF:
            oneof_index = len(self.proto.oneof_decl)
            self.proto.oneof_decl.add(name=plan.name)
            for member in plan.members:
                fld = self.proto.field.add(
                    name=member.name,
                    number=member.number,
                    label=_LABEL_OPTIONAL,
                    oneof_index=oneof_index,
                )
                self._type_ref(member.value, fld)
            return
        fld = self.proto.field.add(name=plan.name, number=plan.number)
        if plan.shape == T.LIST:
            fld.label = _LABEL_REPEATED
            self._type_ref(plan.value, fld)
        elif plan.shape == T.MAP:
            fld.label = _LABEL_REPEATED
            entry_name = snake_to_upper_camel(plan.name) + "Entry"
            entry = self.proto.nested_type.add(name=entry_name)
            entry.options.map_entry = True
            key = entry.field.add(name="key", number=1, label=_LABEL_OPTIONAL)
            self._type_ref(plan.key, key)
            val = entry.field.add(name="value", number=2, label=_LABEL_OPTIONAL)
            self._type_ref(plan.value, val)
            fld.type = T.TYPE_MESSAGE
            fld.type_name = f".{self.full_name}.{entry_name}"
        else:
            fld.label = _LABEL_OPTIONAL
            self._type_ref(plan.value, fld)
            if plan.presence:
                self.optional_fields.append(fld)

    def finish(self) -> descriptor_pb2.FileDescriptorProto:
        """Give fields with presence their oneofs (after the Union ones) and wrap up.

        Like caikit 0.29.1 (py-to-proto), such a field is a one-member oneof named
        ``_<field>`` rather than a proto3 ``optional`` (no ``proto3_optional`` flag), so the
        descriptors are identical; presence tracking and the wire format are the same.
        """
        for fld in self.optional_fields:
            fld.oneof_index = len(self.proto.oneof_decl)
            self.proto.oneof_decl.add(name=f"_{fld.name}")
        fdp = descriptor_pb2.FileDescriptorProto(
            name=file_name_for(self.package, self.name),
            package=self.package,
            syntax="proto3",
        )
        fdp.dependency.extend(sorted(self.deps))
        fdp.message_type.add().CopyFrom(self.proto)
        return fdp


def json_name(name: str) -> str:
    """The lowerCamelCase JSON name protobuf derives for a field name."""
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def build_message_file(
    package: str, name: str, plans: Iterable[T.FieldPlan]
) -> descriptor_pb2.FileDescriptorProto:
    """The file holding the message of one dataobject class."""
    builder = _MessageBuilder(package, name)
    for plan in plans:
        builder.add_field(plan)
    return builder.finish()


def add_file(fdp: descriptor_pb2.FileDescriptorProto) -> Any:
    """Add a file to the pool; re-adding an identical file is fine, a different one is not."""
    pool = get_pool()
    try:
        existing = pool.FindFileByName(fdp.name)
    except KeyError:
        existing = None
    if existing is not None:
        current = descriptor_pb2.FileDescriptorProto()
        existing.CopyToProto(current)
        if _same_file(current, fdp):
            return existing
        raise TypeError(
            f"cannot redefine protobuf file {fdp.name!r} with different contents; a "
            f"dataobject with this package and name already exists"
        )
    try:
        return pool.Add(fdp)
    except (TypeError, ValueError) as err:
        raise TypeError(f"invalid protobuf definition for {fdp.name!r}: {err}") from err


def _same_file(
    a: descriptor_pb2.FileDescriptorProto, b: descriptor_pb2.FileDescriptorProto
) -> bool:
    # CopyToProto drops json_name for fields whose json name is the default one, so compare
    # with json names cleared on both sides
    a2, b2 = descriptor_pb2.FileDescriptorProto(), descriptor_pb2.FileDescriptorProto()
    a2.CopyFrom(a)
    b2.CopyFrom(b)
    for f in (a2, b2):
        for msg in f.message_type:
            _clear_json_names(msg)
    return a2.SerializeToString(deterministic=True) == b2.SerializeToString(deterministic=True)


def _clear_json_names(msg: descriptor_pb2.DescriptorProto):
    for fld in msg.field:
        fld.ClearField("json_name")
    for nested in msg.nested_type:
        _clear_json_names(nested)


def message_class_for(full_name: str) -> type:
    """The generated message class for a full message name in the pool."""
    return message_factory.GetMessageClass(get_pool().FindMessageTypeByName(full_name))


def enum_descriptor_for(full_name: str) -> Any:
    """The enum descriptor for a full enum name in the pool."""
    return get_pool().FindEnumTypeByName(full_name)


def is_enum_class(obj: Any) -> bool:
    """True for Enum subclasses."""
    return isinstance(obj, type) and issubclass(obj, enum.Enum)


def optional_message_class(full_name: Optional[str]) -> Optional[type]:
    """``message_class_for`` that tolerates ``None``."""
    return message_class_for(full_name) if full_name else None
