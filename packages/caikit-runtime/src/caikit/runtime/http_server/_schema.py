"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of dataobjects in their JSON form.

The JSON form is what ``to_dict`` writes and ``from_dict`` reads: every field may be ``null``
(unset), bytes are base64 text, enums are member names, datetimes RFC 3339 text, a ``Union``
field is written under the name of the member that is set (``value_int``) and read under either
that name or the field's own name. Unknown keys are refused, so objects are closed
(``additionalProperties: false``).

:class:`SchemaRegistry` builds one named schema per dataobject class (keyed by its full proto
name) and returns ``$ref`` s to them; the per-field information comes from the field plans the
``@dataobject`` decorator computed (``cls._caikit_plans``), so the schema always follows the
converters exactly.
"""
from __future__ import annotations

import enum
from typing import Any, Dict, Optional

__all__ = ["SchemaRegistry", "int_range", "nullable"]

# proto field types (google.protobuf.descriptor_pb2.FieldDescriptorProto.Type)
_INT_RANGES = {
    3: (-(2**63), 2**63 - 1),  # int64
    4: (0, 2**64 - 1),  # uint64
    5: (-(2**31), 2**31 - 1),  # int32
    13: (0, 2**32 - 1),  # uint32
    15: (-(2**31), 2**31 - 1),  # sfixed32
    16: (-(2**63), 2**63 - 1),  # sfixed64
    17: (-(2**31), 2**31 - 1),  # sint32
    18: (-(2**63), 2**63 - 1),  # sint64
    6: (0, 2**64 - 1),  # fixed64
    7: (0, 2**32 - 1),  # fixed32
}
_FLOAT_TYPES = (1, 2)  # double, float


def int_range(proto_type: int) -> tuple:
    """``(lowest, highest)`` value of a proto integer type (int64 when unknown)."""
    return _INT_RANGES.get(proto_type, _INT_RANGES[3])


def nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    """``schema`` or ``null``."""
    return {"anyOf": [schema, {"type": "null"}]}


def _component_key(cls: Any) -> str:
    return str(getattr(cls, "full_name", None) or cls.__name__)


class SchemaRegistry:
    """Schemas of dataobjects, collected under ``components/schemas``."""

    def __init__(self) -> None:
        self.schemas: Dict[str, Dict[str, Any]] = {}

    def ref(self, cls: Any) -> Dict[str, Any]:
        """A ``$ref`` to the schema of dataobject (or dataobject enum) ``cls``, adding it once."""
        key = _component_key(cls)
        if key not in self.schemas:
            self.schemas[key] = {}  # placeholder: recursive types stop here
            self.schemas[key] = self._build(cls)
        return {"$ref": f"#/components/schemas/{key}"}

    # -- building ---------------------------------------------------------------------------

    def _build(self, cls: Any) -> Dict[str, Any]:
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            return {"title": cls.__name__, "type": "string", "enum": [m.name for m in cls]}
        plans = getattr(cls, "_caikit_plans", None) or {}
        properties: Dict[str, Any] = {}
        exclusive: list = []
        for name, plan in plans.items():
            if plan.shape == "oneof":
                # written under the member that is set; read under a member or the field name
                alternatives = [self._value(m.value) for m in plan.members]
                properties[name] = nullable({"anyOf": alternatives} if len(alternatives) > 1 else alternatives[0])
                members = [m.name for m in plan.members]
                for member in plan.members:
                    properties[member.name] = self._value(member.value)
                exclusive += [[a, b] for i, a in enumerate(members) for b in members[i + 1 :]]
            else:
                properties[name] = nullable(self._field(plan))
        for name in getattr(cls, "fields", ()) or ():
            properties.setdefault(name, {})
        schema: Dict[str, Any] = {
            "title": cls.__name__,
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if exclusive:
            # at most one member of a oneof may be given
            schema["allOf"] = [{"not": {"required": pair}} for pair in exclusive]
        doc = (cls.__doc__ or "").strip()
        if doc and not doc.startswith(f"{cls.__name__}("):  # dataclass-generated docstrings say nothing
            schema["description"] = doc
        return schema

    def _field(self, plan: Any) -> Dict[str, Any]:
        if plan.shape == "list":
            return {"type": "array", "items": self._value(plan.value)}
        if plan.shape == "map":
            schema: Dict[str, Any] = {"type": "object", "additionalProperties": self._value(plan.value)}
            key_type = getattr(plan.key, "py_type", str)
            if key_type is bool:
                schema["propertyNames"] = {"enum": ["true", "false"]}
            elif key_type is int:
                schema["propertyNames"] = {"pattern": "^-?[0-9]+$"}
            return schema
        return self._value(plan.value)

    def value_schema(self, value: Any) -> Dict[str, Any]:
        """The schema of one value of a field plan (``plan.value``)."""
        return self._value(value)

    def _value(self, value: Any) -> Dict[str, Any]:
        kind = value.kind
        py_type = value.py_type
        if kind == "scalar":
            if py_type is str:
                return {"type": "string"}
            if py_type is bool:
                return {"type": "boolean"}
            if py_type is bytes:
                return {"type": "string", "format": "byte", "contentEncoding": "base64"}
            if py_type is float or value.proto_type in _FLOAT_TYPES:
                return {"type": "number"}
            if py_type is int:
                low, high = _INT_RANGES.get(value.proto_type, _INT_RANGES[3])
                return {"type": "integer", "minimum": low, "maximum": high}
            return {}
        if kind == "enum":
            if getattr(py_type, "_caikit_full_name", None):
                return self.ref(py_type)
            return {"type": "string", "enum": [m.name for m in py_type]}
        if kind == "message":
            return self.ref(py_type)
        if kind == "timestamp":
            return {"type": "string", "format": "date-time"}
        if kind == "struct":
            return {"type": "object"}
        return {}

    # -- plain types (request fields of generated messages) ----------------------------------

    def for_field_type(self, field_type: Any) -> Dict[str, Any]:
        """The schema of a request field's type (``str``, ``List[Person]``, a dataobject...)."""
        import datetime
        import typing

        origin = typing.get_origin(field_type)
        if origin is typing.Annotated:
            return self.for_field_type(typing.get_args(field_type)[0])
        if origin in (list, typing.List):
            (item,) = typing.get_args(field_type) or (Any,)
            return {"type": "array", "items": self.for_field_type(item)}
        if origin in (dict, typing.Dict):
            args = typing.get_args(field_type)
            if len(args) == 2 and args[1] is not Any:
                return {"type": "object", "additionalProperties": self.for_field_type(args[1])}
            return {"type": "object"}
        if origin is typing.Union:
            return {"anyOf": [self.for_field_type(a) for a in typing.get_args(field_type) if a is not type(None)]}
        if field_type is str:
            return {"type": "string"}
        if field_type is bool:
            return {"type": "boolean"}
        if field_type is int:
            low, high = _INT_RANGES[3]
            return {"type": "integer", "minimum": low, "maximum": high}
        if field_type is float:
            return {"type": "number"}
        if field_type is bytes:
            return {"type": "string", "format": "byte", "contentEncoding": "base64"}
        if field_type is datetime.datetime:
            return {"type": "string", "format": "date-time"}
        if field_type is dict:
            return {"type": "object"}
        if isinstance(field_type, type) and (hasattr(field_type, "_caikit_plans") or hasattr(field_type, "_caikit_full_name")):
            return self.ref(field_type)
        if isinstance(field_type, type) and issubclass(field_type, enum.Enum):
            return {"type": "string", "enum": [m.name for m in field_type]}
        return {}

    def plan_of(self, cls: Any, name: str) -> Optional[Any]:
        """The field plan of ``cls.name`` (None if unknown)."""
        return (getattr(cls, "_caikit_plans", None) or {}).get(name)

    def field_schema(self, cls: Any, name: str) -> Dict[str, Any]:
        """The (non-null) schema of field ``name`` of dataobject ``cls``."""
        plan = self.plan_of(cls, name)
        if plan is None:
            return {}
        if plan.shape == "oneof":
            alternatives = [self._value(m.value) for m in plan.members]
            return {"anyOf": alternatives} if len(alternatives) > 1 else alternatives[0]
        return self._field(plan)
