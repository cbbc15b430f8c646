"""The ``@dataobject`` decorator and ``make_dataobject``.

``@dataobject`` turns a ``DataObjectBase`` subclass into a dataclass bound to a protobuf message
built at decoration time, or binds an ``Enum`` to a protobuf enum. Fields number from 1 in
annotation order; fields without a default get ``None``.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect
import threading
import typing
from typing import Any, Callable, Dict, Optional, Tuple

from . import _descriptors, _registry, dynamic
from . import _types as T
from ._codegen import ClassCodegen
from ._oneof import install_oneof_accessors
from .base import DataBase, DataObjectBase

DEFAULT_PACKAGE = "caikit_data_model"

_MUTABLE_DEFAULTS = (list, dict, set)


def dataobject(*args: Any, **kwargs: Any) -> Any:
    """Bind a class to a protobuf message (or an Enum to a protobuf enum).

    Usable bare (``@dataobject``) or with arguments (``@dataobject(package="x.y")``).

    Args:
        package: proto package of the message (default ``caikit_data_model``).

    Returns:
        The decorated class (a dataclass) with ``full_name``, ``fields``, ``get_proto_class``
        and the converters of ``DataBase``.

    Raises:
        TypeError: a field's type cannot be represented in protobuf.
    """
    if args and len(args) == 1 and isinstance(args[0], type) and not kwargs:
        return _decorate(args[0], DEFAULT_PACKAGE)
    if args:
        if len(args) == 1 and isinstance(args[0], str) and "package" not in kwargs:
            kwargs["package"] = args[0]
        else:
            raise TypeError(f"dataobject: unexpected positional arguments {args!r}")
    package = kwargs.pop("package", DEFAULT_PACKAGE)
    if kwargs:
        raise TypeError(f"dataobject: unexpected keyword arguments {sorted(kwargs)!r}")
    if not isinstance(package, str):
        raise TypeError(f"dataobject: package must be a str, got {package!r}")

    def decorator(cls: type) -> type:
        return _decorate(cls, package)

    return decorator


def make_dataobject(
    name: str,
    annotations: Dict[str, Any],
    bases: Tuple[type, ...] = (),
    attrs: Optional[Dict[str, Any]] = None,
    package: str = DEFAULT_PACKAGE,
    module: Optional[str] = None,
) -> type:
    """Create and decorate a dataobject class at runtime.

    Args:
        name: message / class name (e.g. ``GreetingTaskRequest``).
        annotations: ``{field_name: python_type}`` in field order.
        bases: base classes (default ``(DataObjectBase,)``).
        attrs: extra class attributes, e.g. field defaults ``{"repeat": 1}`` or methods.
        package: proto package of the message.
        module: ``__module__`` of the new class (default: ``caikit.core.data_model.dynamic``,
            which resolves the class by name, so that its instances pickle).

    Returns:
        The new dataobject class, registered under ``<package>.<name>``.
    """
    namespace: Dict[str, Any] = dict(attrs or {})
    namespace["__annotations__"] = dict(annotations)
    namespace.setdefault("__module__", module or dynamic.__name__)
    namespace.setdefault("__qualname__", name)
    cls = _decorate(type(name, tuple(bases) or (DataObjectBase,), namespace), package)
    if cls.__module__ == dynamic.__name__:
        dynamic.add(cls)  # so that its instances pickle
    return cls


# -- implementation -------------------------------------------------------------------------------


def _decorate(cls: type, package: str) -> type:
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return _decorate_enum(cls, package)
    if not isinstance(cls, type):
        raise TypeError(f"dataobject: expected a class, got {cls!r}")
    if not issubclass(cls, DataBase):
        # rebuild the class with DataObjectBase mixed in, keeping its body (annotations,
        # defaults, methods)
        namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
        bases = (*(b for b in cls.__bases__ if b is not object), DataObjectBase)
        cls = type(cls.__name__, bases, namespace)
    return _decorate_class(cls, package)


def _decorate_enum(enum_cls: Any, package: str) -> Any:
    name = enum_cls.__name__
    full_name = f"{package}.{name}" if package else name
    _descriptors.add_file(_descriptors.build_enum_file(enum_cls, package, name))
    descriptor = _descriptors.enum_descriptor_for(full_name)
    type.__setattr__(enum_cls, "_caikit_full_name", full_name)
    type.__setattr__(enum_cls, "full_name", full_name)
    type.__setattr__(enum_cls, "_proto_enum_descriptor", descriptor)
    type.__setattr__(enum_cls, "get_proto_class", classmethod(_enum_proto_class))
    _registry.register(full_name, enum_cls)
    return enum_cls


def _enum_proto_class(enum_cls: Any) -> Any:
    """An ``EnumTypeWrapper`` for the proto enum (``Name(number)``, ``Value(name)``, ...)."""
    from google.protobuf.internal import enum_type_wrapper  # pylint: disable=import-outside-toplevel

    return enum_type_wrapper.EnumTypeWrapper(enum_cls._proto_enum_descriptor)


def _own_annotations(cls: type) -> Dict[str, Any]:
    return dict(inspect.get_annotations(cls))


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _decorate_class(cls: Any, package: str) -> Any:
    name = cls.__name__
    full_name = f"{package}.{name}" if package else name
    plain_init = "__init__" not in cls.__dict__

    # every field gets a default so that any subset may be given; remember the explicit ones
    user_defaults: Dict[str, bool] = {}
    for base in reversed(cls.__mro__[1:]):
        user_defaults.update(getattr(base, "_caikit_user_defaults", {}))
    for field_name, annotation in _own_annotations(cls).items():
        if _is_classvar(annotation):
            continue
        if field_name in cls.__dict__:
            default = cls.__dict__[field_name]
            user_defaults[field_name] = True
            if isinstance(default, _MUTABLE_DEFAULTS):
                setattr(cls, field_name, dataclasses.field(default_factory=_copier(default)))
            elif isinstance(default, dataclasses.Field):
                pass
        else:
            user_defaults[field_name] = False
            setattr(cls, field_name, None)

    cls = dataclasses.dataclass(cls)
    field_names = [f.name for f in dataclasses.fields(cls)]
    plans = T.plan_class(cls, field_names, user_defaults)
    _resolve_self_refs(plans, cls, full_name)
    _mark_json_oneofs_under_field(cls, plans)

    fdp = _descriptors.build_message_file(package, name, plans)
    _descriptors.add_file(fdp)
    proto_class = _descriptors.message_class_for(full_name)

    # class attributes read by the value-type planner of classes that use this one
    cls._caikit_full_name = full_name
    cls._caikit_user_defaults = user_defaults
    cls.full_name = full_name
    # like caikit, ``fields`` lists proto field names: a Union field appears as its members
    cls.fields = tuple(name for p in plans for name in ([m.name for m in p.members] or [p.name]))
    cls._caikit_proto_class = proto_class
    cls._caikit_plans = {p.name: p for p in plans}

    # the converters are generated on first use: compiling them is most of the cost of
    # decorating a class, and most classes of a big interface are never converted
    cls._caikit_plain_init = plain_init
    for name in _CONVERTERS:
        setattr(cls, f"_caikit_{name}", staticmethod(_lazy_converter(cls, name)))
    cls._caikit_compiled = False

    install_oneof_accessors(cls, plans)
    _registry.register(full_name, cls)
    return cls


_CONVERTERS = ("fill", "from_pb", "to_js", "to_native", "to_text", "from_js")
_COMPILE_LOCK = threading.RLock()


def _lazy_converter(cls: Any, name: str) -> Callable[..., Any]:
    """A stand-in that compiles the class's converters, then forwards to the real one."""

    def compile_then_call(*args: Any) -> Any:
        return ensure_compiled(cls)[name](*args)

    compile_then_call.__name__ = f"lazy_{name}"
    return compile_then_call


def ensure_compiled(cls: Any) -> Dict[str, Callable[..., Any]]:
    """Generate (once) the converters of a dataobject class and of the classes it nests."""
    if cls.__dict__.get("_caikit_compiled"):
        return {name: cls.__dict__[f"_caikit_{name}"].__func__ for name in _CONVERTERS}
    with _COMPILE_LOCK:
        if not cls.__dict__.get("_caikit_compiled"):
            plans = list(cls._caikit_plans.values())
            for plan in plans:
                for value in [plan.value] + [m.value for m in plan.members]:
                    if value is not None and value.kind == T.MESSAGE and value.py_type is not cls:
                        ensure_compiled(value.py_type)
            codegen = ClassCodegen(cls, cls._caikit_proto_class, plans, cls._caikit_plain_init)
            functions = codegen.compile(fix_keys=_key_fixer(cls, plans))
            for name in _CONVERTERS:
                setattr(cls, f"_caikit_{name}", staticmethod(functions[name]))
            cls._caikit_codegen_source = codegen.ns["__source__"]
            cls._caikit_compiled = True
    return {name: cls.__dict__[f"_caikit_{name}"].__func__ for name in _CONVERTERS}


def _copier(default: Any) -> Callable[[], Any]:
    return lambda: copy.deepcopy(default)


def _resolve_self_refs(plans, cls: type, full_name: str) -> None:
    for plan in plans:
        values = [plan.value, plan.key] + [m.value for m in plan.members]
        for value in values:
            if value is not None and value.kind == T.MESSAGE and value.py_type is cls:
                value.type_name = full_name


def _mark_json_oneofs_under_field(cls: Any, plans) -> None:
    """Apply a class's ``_caikit_json_oneofs_under_field`` (names of ``Union`` fields whose
    JSON and ``to_dict`` form is ``{"<field>": value}`` rather than ``{"<member>": value}``)."""
    names = getattr(cls, "_caikit_json_oneofs_under_field", ())
    if isinstance(names, str):
        names = (names,)
    oneofs = {p.name: p for p in plans if p.shape == T.ONEOF}
    for name in names:
        if name not in oneofs:
            raise TypeError(
                f"{cls.__name__}._caikit_json_oneofs_under_field: {name!r} is not a Union field"
            )
        oneofs[name].json_under_field = True


def _key_fixer(cls: type, plans) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """Handle dict keys that are not field names: lowerCamelCase JSON names are accepted,
    anything else is an error naming the unknown keys."""
    known = {p.name for p in plans} | {m.name for p in plans for m in p.members}
    camel = {}
    for field_name in known:
        json_name = _descriptors.json_name(field_name)
        if json_name != field_name:
            camel[json_name] = field_name

    def fix_keys(data: Dict[str, Any]) -> Dict[str, Any]:
        fixed: Dict[str, Any] = {}
        unknown = []
        for key, value in data.items():
            if key in known:
                target = key
            elif key in camel:
                target = camel[key]
            else:
                unknown.append(key)
                continue
            if target in fixed:
                raise ValueError(f"field {target!r} given twice (as {key!r})")
            fixed[target] = value
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(repr(k) for k in unknown)} for {cls.__name__} "
                f"(fields: {', '.join(sorted(known))})"
            )
        return fixed

    return fix_keys


def is_dataobject(obj: Any) -> bool:
    """True for classes decorated with ``@dataobject`` (messages and enums)."""
    return isinstance(obj, type) and "_caikit_full_name" in obj.__dict__
