"""Generate the four converters of a dataobject class once, from its field plan.

For each class this writes (and ``exec``s) straight-line Python:

* ``fill(obj, msg)``       dataobject -> existing protobuf message
* ``from_pb(msg)``         protobuf message -> dataobject
* ``to_js(obj)``           dataobject -> JSON-ready dict (bytes base64, enums by name, ...)
* ``from_js(dict)``        JSON-like dict (or Python values) -> dataobject, validated

The common case of every field is inlined (``v.__class__ is str``); anything unusual falls
through to the helpers in ``_values``. Every field is guarded by its own ``try`` (free in
CPython 3.11+ when nothing is raised) so that a failure is reported with the field's path.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, Dict, List

from . import _errors, _values
from . import _types as T
from ._codegen_text import gen_to_text
from ._oneof import oneof_fill, oneof_from_js, oneof_from_pb, oneof_to_js


class _Lines:
    """A tiny indented source builder."""

    def __init__(self):
        self.lines: List[str] = []
        self.depth = 0

    def __call__(self, text: str):
        self.lines.append("    " * self.depth + text)

    def indent(self):
        self.depth += 1

    def dedent(self):
        self.depth -= 1

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


def as_list(value: Any) -> list:
    """Accept lists, tuples and other non-text iterables for a repeated field."""
    if value.__class__ is list:
        return value
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"expected a list, got {type(value).__name__} {value!r}")
    return list(value)


def as_dict(value: Any) -> dict:
    """Accept dicts (and other mappings) for a map field or a message in JSON form."""
    if value.__class__ is dict:
        return value
    if hasattr(value, "items") and hasattr(value, "keys"):
        return dict(value.items())
    raise TypeError(f"expected a dict, got {type(value).__name__} {value!r}")


def coerce_message(cls: Any, value: Any) -> Any:
    """A nested message value: an instance of ``cls`` (or subclass) or a dict for it."""
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls._caikit_from_js(value)
    raise TypeError(f"expected {cls.__name__}, got {type(value).__name__} {value!r}")


def bool_key(value: Any) -> bool:
    """Map keys of bool maps: JSON object keys arrive as "true"/"false"."""
    if value is True or value is False:
        return value
    if value in ("true", "false"):
        return value == "true"
    raise TypeError(f"expected a bool key, got {type(value).__name__} {value!r}")


class EnumByName(dict):
    """``name -> member`` with a ValueError for unknown names."""

    def __init__(self, enum_cls: Any, placeholder: bool):
        super().__init__(enum_cls.__members__)
        if placeholder:
            self["PLACEHOLDER_UNSET"] = None
        self.enum_cls = enum_cls

    def __missing__(self, key):
        raise ValueError(f"{key!r} is not a valid {self.enum_cls.__name__} name")


_SCALAR_CHECK = {
    str: "_V.check_str",
    int: "_V.check_int",
    float: "_V.check_float",
    bool: "_V.check_bool",
}


class ClassCodegen:
    """Generates and compiles the converters of one dataobject class."""

    def __init__(self, cls: type, proto_class: type, plans: List[T.FieldPlan], plain_init: bool):
        self.cls = cls
        self.plans = plans
        self.plain_init = plain_init
        self.dataclass_fields = {f.name: f for f in dataclasses.fields(cls)}
        self.ns: Dict[str, Any] = {
            "C": cls,
            "P": proto_class,
            "_V": _values,
            "_wrap": _errors.wrap,
            "_wrap_item": _errors.wrap_item,
            "_as_list": as_list,
            "_as_dict": as_dict,
            "_coerce": coerce_message,
            "_bool_key": bool_key,
            "_oneof_fill": oneof_fill,
            "_oneof_from_pb": oneof_from_pb,
            "_oneof_to_js": oneof_to_js,
            "_oneof_from_js": oneof_from_js,
            "_new_obj": _new_obj,
        }
        self._bind_names()

    # -- symbols ------------------------------------------------------------------------------

    def _bind_value(self, tag: str, value: T.ValueType):
        """Bind the helpers a value type needs under names suffixed with ``tag``."""
        if value.kind == T.ENUM:
            self.ns["EC" + tag] = value.py_type
            self.ns["EV" + tag] = _values.EnumByNumber(value.py_type, value.enum_placeholder)
            self.ns["EN" + tag] = EnumByName(value.py_type, value.enum_placeholder)
        elif value.kind == T.MESSAGE:
            child = value.py_type
            self.ns["CC" + tag] = child
            if child is self.cls:
                # self reference: look the functions up lazily in the namespace at call time
                for prefix, fn in (
                    ("F", "fill"),
                    ("R", "from_pb"),
                    ("J", "to_js"),
                    ("K", "from_js"),
                    ("D", "to_native"),
                ):
                    self.ns[prefix + tag] = _Deferred(self.ns, fn)
            else:
                self.ns["F" + tag] = child._caikit_fill
                self.ns["R" + tag] = child._caikit_from_pb
                self.ns["J" + tag] = child._caikit_to_js
                self.ns["K" + tag] = child._caikit_from_js
                self.ns["D" + tag] = child._caikit_to_native

    def _bind_names(self):
        for idx, plan in enumerate(self.plans):
            tag = str(idx)
            if plan.shape == T.ONEOF:
                for midx, member in enumerate(plan.members):
                    self._bind_value(f"{idx}_{midx}", member.value)
                self.ns["O" + tag] = [
                    (m.name, m.value, f"{idx}_{midx}") for midx, m in enumerate(plan.members)
                ]
            else:
                self._bind_value(tag, plan.value)
                if plan.shape == T.MAP:
                    self.ns["MK" + tag] = plan.key

    # -- fill (to proto) ------------------------------------------------------------------------

    @staticmethod
    def _pb_elem(value: T.ValueType, tag: str, var: str) -> str:
        """Expression converting Python element ``var`` to what a proto setter accepts."""
        if value.kind == T.ENUM:
            # _value_ / _name_ are plain attributes; .value / .name are slower descriptors
            return f"({var}._value_ if {var}.__class__ is EC{tag} else _V.enum_to_number(EC{tag}, {var}))"
        return var

    def _msg_arg(self, tag: str, var: str) -> str:
        return f"({var} if {var}.__class__ is CC{tag} else _coerce(CC{tag}, {var}))"

    def _gen_fill(self) -> str:
        src = _Lines()
        src("def fill(self, m):")
        src.indent()
        for idx, plan in enumerate(self.plans):
            tag, name = str(idx), plan.name
            src(f"v = self.{name}")
            src("if v is not None:")
            src.indent()
            src("try:")
            src.indent()
            handler = f"raise _wrap(e, {name!r}) from None"
            if plan.shape == T.ONEOF:
                src(f"_oneof_fill(self, {name!r}, v, m, O{tag}, NS)")
            elif plan.shape == T.SINGLE:
                value = plan.value
                if value.kind in (T.SCALAR, T.ENUM):
                    src(f"m.{name} = {self._pb_elem(value, tag, 'v')}")
                elif value.kind == T.MESSAGE:
                    src(f"s = m.{name}")
                    src("s.SetInParent()")
                    src(f"F{tag}({self._msg_arg(tag, 'v')}, s)")
                elif value.kind == T.TIMESTAMP:
                    src(f"s = m.{name}")
                    src("s.SetInParent()")
                    src("_V.fill_timestamp(v, s)")
                else:  # struct
                    src(f"_V.fill_struct(v, m.{name})")
            elif plan.shape == T.LIST:
                value = plan.value
                src("if v.__class__ is not list: v = _as_list(v)")
                if value.kind == T.SCALAR:
                    src(f"m.{name}.extend(v)")
                elif value.kind == T.ENUM:
                    src(f"m.{name}.extend([{self._pb_elem(value, tag, 'x')} for x in v])")
                else:
                    src(f"add = m.{name}.add")
                    src("for x in v:")
                    src.indent()
                    if value.kind == T.MESSAGE:
                        src(f"F{tag}({self._msg_arg(tag, 'x')}, add())")
                    elif value.kind == T.TIMESTAMP:
                        src("_V.fill_timestamp(x, add())")
                    else:
                        src("_V.fill_struct(x, add())")
                    src.dedent()
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: fill_one_{tag}(x)) from None"
            else:  # map
                value = plan.value
                src(f"mm = m.{name}")
                src("for k, x in (v if v.__class__ is dict else _as_dict(v)).items():")
                src.indent()
                if value.kind in (T.SCALAR, T.ENUM):
                    src(f"mm[k] = {self._pb_elem(value, tag, 'x')}")
                elif value.kind == T.MESSAGE:
                    src(f"F{tag}({self._msg_arg(tag, 'x')}, mm[k])")
                elif value.kind == T.TIMESTAMP:
                    src("_V.fill_timestamp(x, mm[k])")
                else:
                    src("_V.fill_struct(x, mm[k])")
                src.dedent()
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: fill_one_{tag}(x)) from None"
            src.dedent()
            src("except Exception as e:")
            src.indent()
            src(handler)
            src.dedent()
            src.dedent()
        src("return m")
        src.dedent()
        return src.source()

    def _gen_fill_one(self, idx: int, plan: T.FieldPlan) -> str:
        """Per-element converter used only to locate a failing list/map element."""
        tag, name = str(idx), plan.name
        value = plan.value
        src = _Lines()
        src(f"def fill_one_{tag}(x):")
        src.indent()
        src("m = P()")
        if plan.shape == T.MAP:
            src(f"mm = m.{name}")
            src(f"k = {plan.key.py_type()!r}")
            if value.kind in (T.SCALAR, T.ENUM):
                src(f"mm[k] = {self._pb_elem(value, tag, 'x')}")
            elif value.kind == T.MESSAGE:
                src(f"F{tag}({self._msg_arg(tag, 'x')}, mm[k])")
            elif value.kind == T.TIMESTAMP:
                src("_V.fill_timestamp(x, mm[k])")
            else:
                src("_V.fill_struct(x, mm[k])")
        else:
            if value.kind in (T.SCALAR, T.ENUM):
                src(f"m.{name}.append({self._pb_elem(value, tag, 'x')})")
            elif value.kind == T.MESSAGE:
                src(f"F{tag}({self._msg_arg(tag, 'x')}, m.{name}.add())")
            elif value.kind == T.TIMESTAMP:
                src(f"_V.fill_timestamp(x, m.{name}.add())")
            else:
                src(f"_V.fill_struct(x, m.{name}.add())")
        src.dedent()
        return src.source()

    # -- from_pb ----------------------------------------------------------------------------------

    @staticmethod
    def _py_from_pb(value: T.ValueType, tag: str, var: str) -> str:
        """Expression converting proto element ``var`` to its Python value."""
        if value.kind == T.SCALAR:
            return var
        if value.kind == T.ENUM:
            return f"EV{tag}[{var}]"
        if value.kind == T.MESSAGE:
            return f"R{tag}({var})"
        if value.kind == T.TIMESTAMP:
            return f"_V.timestamp_out({var})"
        return f"_V.struct_out({var})"

    def _gen_from_pb(self) -> str:
        src = _Lines()
        src("def from_pb(m):")
        src.indent()
        has_oneof = False
        for idx, plan in enumerate(self.plans):
            tag, name = str(idx), plan.name
            out = f"a{idx}"
            if plan.shape == T.ONEOF:
                has_oneof = True
                src(f"{out}, w{idx} = _oneof_from_pb(m, {name!r}, O{tag}, NS)")
                continue
            value = plan.value
            if plan.shape == T.SINGLE:
                expr = self._py_from_pb(value, tag, f"m.{name}")
                presence = plan.presence or (value.kind != T.SCALAR and value.kind != T.ENUM)
                if value.kind == T.SCALAR and not presence:
                    src(f"{out} = {expr}")
                    continue
                if presence:
                    expr = (
                        f"({expr} if m.HasField({name!r}) else {self._declared_default(plan, idx)})"
                    )
                handler = f"raise _wrap(e, {name!r}) from None"
            elif plan.shape == T.LIST:
                if value.kind == T.SCALAR:
                    src(f"{out} = list(m.{name})")
                    continue
                expr = f"[{self._py_from_pb(value, tag, 'x')} for x in m.{name}]"
                conv = self._py_from_pb(value, tag, "x")
                handler = f"raise _wrap_item(e, {name!r}, m.{name}, lambda x: {conv}) from None"
            else:
                if value.kind == T.SCALAR:
                    src(f"{out} = dict(m.{name})")
                    continue
                conv = self._py_from_pb(value, tag, "x")
                expr = f"{{k: {conv} for k, x in m.{name}.items()}}"
                handler = f"raise _wrap_item(e, {name!r}, m.{name}, lambda x: {conv}) from None"
            src("try:")
            src(f"    {out} = {expr}")
            src("except Exception as e:")
            src(f"    {handler}")
        return self._finish_construction(src, has_oneof)

    def _finish_construction(self, src: Any, has_oneof: bool) -> str:
        """Emit the constructor call (recording which oneof members were set) and return the
        generated function's source; shared by the from-proto and from-dict generators."""
        src(self._construct())
        if has_oneof:
            which = ", ".join(
                f"{p.name!r}: w{i}" for i, p in enumerate(self.plans) if p.shape == T.ONEOF
            )
            src(f"o.__dict__['_caikit_which'] = {{{which}}}")
        src("return o")
        src.dedent()
        return src.source()

    def _construct(self) -> str:
        args = ", ".join(f"a{i}" for i in range(len(self.plans)))
        if self.plain_init:
            return f"o = C({args})"
        names = ", ".join(f"{p.name!r}: a{i}" for i, p in enumerate(self.plans))
        return f"o = _new_obj(C, {{{names}}})"

    # -- to_js ------------------------------------------------------------------------------------

    @staticmethod
    def _js_from_py(value: T.ValueType, tag: str, var: str, native: bool = False) -> str:
        """Expression converting Python element ``var`` to its JSON-ready form (or, when
        ``native``, to its ``to_dict`` form: bytes and datetimes stay Python objects)."""
        if value.kind == T.SCALAR:
            py = value.py_type
            if py is bytes:
                if native:
                    return f"({var} if {var}.__class__ is bytes else _V.check_bytes({var}))"
                return f"_V.bytes_to_json({var})"
            if py is bool:
                return f"({var} if {var} is True or {var} is False else _V.check_bool({var}))"
            return f"({var} if {var}.__class__ is {py.__name__} else {_SCALAR_CHECK[py]}({var}))"
        if value.kind == T.ENUM:
            return (
                f"({var}._name_ if {var}.__class__ is EC{tag} else _V.enum_to_json(EC{tag}, {var}))"
            )
        if value.kind == T.MESSAGE:
            child = "D" if native else "J"
            return (
                f"({child}{tag}({var}) if {var}.__class__ is CC{tag} else "
                f"(None if {var} is None else {child}{tag}(_coerce(CC{tag}, {var}))))"
            )
        if value.kind == T.TIMESTAMP:
            if native:
                return f"_V.datetime_in({var})"
            return f"_V.datetime_to_json({var})"
        return f"({var} if {var}.__class__ is dict else _V.struct_in({var}))"

    def _gen_to_js(self, native: bool = False) -> str:
        src = _Lines()
        fn_name = "to_native" if native else "to_js"
        src(f"def {fn_name}(self):")
        src.indent()
        keys = []
        oneofs = []
        for idx, plan in enumerate(self.plans):
            tag, name = str(idx), plan.name
            src(f"v = self.{name}")
            if plan.shape == T.ONEOF:
                oneofs.append((idx, plan))
                continue
            keys.append((name, f"o{idx}"))
            value = plan.value
            conv = self._js_from_py(value, tag, "x", native)
            if plan.shape == T.SINGLE:
                expr = self._js_from_py(value, tag, "v", native)
                handler = f"raise _wrap(e, {name!r}) from None"
            elif plan.shape == T.LIST:
                expr = (
                    f"None if v is None else [{conv} for x in "
                    f"(v if v.__class__ is list else _as_list(v))]"
                )
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: {conv}) from None"
            else:
                expr = (
                    f"None if v is None else {{k: {conv} for k, x in "
                    f"(v if v.__class__ is dict else _as_dict(v)).items()}}"
                )
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: {conv}) from None"
            src("try:")
            src(f"    o{idx} = {expr}")
            src("except Exception as e:")
            src(f"    {handler}")
        if not oneofs:
            body = ", ".join(f"{k!r}: {var}" for k, var in keys)
            src(f"d = {{{body}}}")
        else:
            # a oneof writes its own key, so build the dict in annotation order
            src("d = {}")
            for idx, plan in enumerate(self.plans):
                if plan.shape == T.ONEOF:
                    src(
                        f"_oneof_to_js(self, {plan.name!r}, self.{plan.name}, d, O{idx}, NS, "
                        f"{native}, {plan.json_under_field})"
                    )
                else:
                    src(f"d[{plan.name!r}] = o{idx}")
        src("return d")
        src.dedent()
        return src.source()

    # -- from_js ----------------------------------------------------------------------------------

    def _py_from_js(self, value: T.ValueType, tag: str, var: str, element: bool = False) -> str:
        """Expression converting JSON-like value ``var`` to its Python value.

        A single field's value may be None (unset); an ``element`` of a list or map (or a map
        key) may not: protobuf cannot carry it, and code iterating the list would trip on it.
        Integers are checked against the range of their proto type (int64 unless narrowed).
        """
        slow = f"_V.not_null({var})" if element else var
        if value.kind == T.SCALAR:
            py = value.py_type
            if py is bytes:
                return f"_V.bytes_from_json({slow})"
            if py is bool:
                return f"({var} if {var} is True or {var} is False else _V.check_bool({slow}))"
            if py is int:
                low, high = _values.INT_RANGES[value.proto_type]
                return (
                    f"({var} if {var}.__class__ is int and {low} <= {var} <= {high} else "
                    f"_V.int_in({slow}, {value.proto_type}))"
                )
            return f"({var} if {var}.__class__ is {py.__name__} else {_SCALAR_CHECK[py]}({slow}))"
        if value.kind == T.ENUM:
            return f"(EN{tag}[{var}] if {var}.__class__ is str else _V.enum_in(EC{tag}, {slow}))"
        if value.kind == T.MESSAGE:
            keep = (
                f"isinstance({var}, CC{tag})"
                if element
                else (f"{var} is None or isinstance({var}, CC{tag})")
            )
            return (
                f"(K{tag}({var}) if {var}.__class__ is dict else "
                f"({var} if {keep} else K{tag}({slow})))"
            )
        if value.kind == T.TIMESTAMP:
            return f"_V.datetime_in({slow})"
        return f"({var} if {var}.__class__ is dict else _V.struct_in({slow}))"

    def _declared_default(self, plan: T.FieldPlan, idx: int) -> str:
        """Expression for the class's default of a field (None unless the class gave one)."""
        field = self.dataclass_fields.get(plan.name)
        if field is None:
            return "None"
        if field.default_factory is not dataclasses.MISSING:
            self.ns[f"DEFF{idx}"] = field.default_factory
            return f"DEFF{idx}()"
        if field.default is None or field.default is dataclasses.MISSING:
            return "None"
        self.ns[f"DEF{idx}"] = field.default
        return f"DEF{idx}"

    def _missing_default(self, plan: T.FieldPlan, tag: str) -> str:
        """What a field absent from JSON becomes: like protobuf, a plain scalar or enum gets
        its zero value; optional fields get the class's default (usually None); messages,
        timestamps and structs get None."""
        value = plan.value
        if plan.optional:
            return self._declared_default(plan, int(tag))
        if value.kind == T.SCALAR:
            return repr(value.py_type())
        if value.kind == T.ENUM:
            return f"EV{tag}[0]"
        return "None"

    def _key_from_js(self, key: T.ValueType, var: str) -> str:
        if key.py_type is bool:
            return f"_bool_key({var})"
        return self._py_from_js(key, "", var, element=True)

    def _gen_from_js(self) -> str:
        src = _Lines()
        src("def from_js(d):")
        src.indent()
        src("if d.__class__ is not dict: d = _as_dict(d)")
        src("if not KEYS.issuperset(d): d = _fix_keys(d)")
        has_oneof = False
        for idx, plan in enumerate(self.plans):
            tag, name = str(idx), plan.name
            if plan.shape == T.ONEOF:
                has_oneof = True
                src(f"a{idx}, w{idx} = _oneof_from_js(d, {name!r}, O{tag}, NS)")
                continue
            src(f"v = d.get({name!r})")
            value = plan.value
            conv = self._py_from_js(value, tag, "x", element=True)
            if plan.shape == T.SINGLE:
                expr = self._py_from_js(value, tag, "v")
                default = self._missing_default(plan, tag)
                if default != "None":
                    expr = f"{default} if v is None else {expr}"
                handler = f"raise _wrap(e, {name!r}) from None"
            elif plan.shape == T.LIST:
                expr = (
                    f"[] if v is None else [{conv} for x in "
                    f"(v if v.__class__ is list else _as_list(v))]"
                )
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: {conv}) from None"
            else:
                kconv = self._key_from_js(plan.key, "k")
                expr = (
                    f"{{}} if v is None else {{{kconv}: {conv} for k, x in "
                    f"(v if v.__class__ is dict else _as_dict(v)).items()}}"
                )
                handler = f"raise _wrap_item(e, {name!r}, v, lambda x: {conv}) from None"
            src("try:")
            src(f"    a{idx} = {expr}")
            src("except Exception as e:")
            src(f"    {handler}")
        return self._finish_construction(src, has_oneof)

    # -- compile ----------------------------------------------------------------------------------

    def compile(self, fix_keys: Callable) -> Dict[str, Any]:
        """Compile all converters and return them by name."""
        self.ns["NS"] = self.ns
        self.ns["KEYS"] = frozenset(p.name for p in self.plans) | frozenset(
            m.name for p in self.plans for m in p.members
        )
        self.ns["_fix_keys"] = fix_keys
        parts = [
            self._gen_fill(),
            self._gen_from_pb(),
            self._gen_to_js(),
            self._gen_to_js(native=True),
            self._gen_from_js(),
            gen_to_text(self.plans, self.ns, self.cls),
        ]
        for idx, plan in enumerate(self.plans):
            if plan.shape in (T.LIST, T.MAP):
                parts.append(self._gen_fill_one(idx, plan))
        source = "\n".join(parts)
        filename = f"<dataobject {self.cls.__module__}.{self.cls.__qualname__}>"
        exec(compile(source, filename, "exec"), self.ns)  # pylint: disable=exec-used
        self.ns["__source__"] = source
        names = ("fill", "from_pb", "to_js", "to_native", "from_js", "to_text")
        return {k: self.ns[k] for k in names}


class _Deferred:
    """Calls a converter from a namespace that is only complete after ``exec``."""

    __slots__ = ("name", "ns")

    def __init__(self, ns: Dict[str, Any], name: str):
        self.ns = ns
        self.name = name

    def __call__(self, *args):
        return self.ns[self.name](*args)


def _new_obj(cls: Any, values: Dict[str, Any]) -> Any:
    """Build an instance without calling a user-defined ``__init__``."""
    obj = cls.__new__(cls)
    obj.__dict__.update(values)
    return obj


def is_enum(obj: Any) -> bool:
    """True for Enum classes."""
    return isinstance(obj, type) and issubclass(obj, enum.Enum)
