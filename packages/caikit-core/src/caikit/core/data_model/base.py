"""``DataBase`` / ``DataObjectBase``: what every @dataobject class can do.

The per-class converters are generated once by the ``@dataobject`` decorator (see
``_codegen``); the methods here are thin public wrappers that add the class name to error paths.
"""

from __future__ import annotations

import json
from typing import Any, Callable, ClassVar, Dict, Iterator, Optional, Tuple, Type, TypeVar, Union

from . import _errors, _registry

_T = TypeVar("_T", bound="DataBase")


class DataBase:
    """Base class of every data model object (dataobject) bound to a protobuf message.

    Class attributes set by ``@dataobject``:
        full_name: the full protobuf message name, e.g. ``caikit_data_model.common.File``
        fields: the field names in declaration order
        supports_file_operations: whether the runtime should return it as a file download
    """

    full_name: ClassVar[str]
    fields: ClassVar[Tuple[str, ...]] = ()
    supports_file_operations: ClassVar[bool] = False
    #: ``Union`` fields whose JSON / dict form is ``{"<field>": value}`` rather than the default
    #: ``{"<member>": value}`` (reading accepts both)
    _caikit_json_oneofs_under_field: ClassVar[Tuple[str, ...]] = ()

    # generated per class by @dataobject
    _caikit_proto_class: ClassVar[Any] = None
    _caikit_plans: ClassVar[Dict[str, Any]] = {}
    _caikit_fill: ClassVar[Callable[..., Any]]
    _caikit_from_pb: ClassVar[Callable[..., Any]]
    _caikit_to_js: ClassVar[Callable[..., Any]]
    _caikit_to_native: ClassVar[Callable[..., Any]]
    _caikit_to_text: ClassVar[Callable[..., Any]]
    _caikit_from_js: ClassVar[Callable[..., Any]]

    # -- registry ---------------------------------------------------------------------------------

    @staticmethod
    def get_class_for_name(name: str) -> type:
        """The dataobject class (or dataobject enum) registered under a proto name.

        Args:
            name: full proto name (``caikit_data_model.common.File``) or, when unambiguous,
                the bare message name (``File``).

        Returns:
            The registered class.

        Raises:
            DataObjectNotFoundError (a LookupError and ValueError): nothing, or more than one
                class for a bare name, is registered.
        """
        return _registry.lookup(name)

    @staticmethod
    def get_registered_classes() -> Dict[str, type]:
        """A snapshot ``{full_name: class}`` of every registered dataobject and enum."""
        return _registry.all_classes()

    @staticmethod
    def iter_registered_classes() -> Iterator[type]:
        """Iterate every registered dataobject class and enum."""
        return _registry.iter_classes()

    @staticmethod
    def get_class_for_proto(proto: Any) -> type:
        """The dataobject class registered for a protobuf message (or its descriptor)."""
        descriptor = getattr(proto, "DESCRIPTOR", proto)
        return _registry.lookup(descriptor.full_name)

    # -- field introspection ----------------------------------------------------------------------

    @classmethod
    def get_field_defaults(cls) -> Dict[str, Any]:
        """``{field: default}`` for the fields the class declares a default for."""
        import dataclasses  # pylint: disable=import-outside-toplevel

        defaults = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            if field.default is not dataclasses.MISSING and field.default is not None:
                defaults[field.name] = field.default
            elif field.default_factory is not dataclasses.MISSING:
                defaults[field.name] = field.default_factory()
        return defaults

    @classmethod
    def get_field_message_type(cls, field_name: str) -> Optional[type]:
        """The dataobject class of a message-typed field (element type for lists / map values,
        the member's class for a Union member name); None for other fields.

        Raises:
            ValueError: no such field.
        """
        from . import _types as T  # pylint: disable=import-outside-toplevel

        plans = cls._caikit_plans
        value = None
        if field_name in plans:
            value = plans[field_name].value
        else:
            for plan in plans.values():
                for member in plan.members:
                    if member.name == field_name:
                        value = member.value
            if value is None and not any(
                m.name == field_name for p in plans.values() for m in p.members
            ):
                raise ValueError(f"{cls.__name__} has no field {field_name!r}")
        if value is not None and value.kind == T.MESSAGE:
            return value.py_type
        return None

    def to_kwargs(self) -> Dict[str, Any]:
        """``{field: value}`` of the Python attributes (not converted, not recursive)."""
        return {name: getattr(self, name) for name in type(self)._caikit_plans}

    # -- files ------------------------------------------------------------------------------------

    def to_file(self, file_obj: Any) -> Any:
        """Write the object as a file; only classes with ``supports_file_operations``.

        Raises:
            NotImplementedError: the class does not support file operations.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support to_file")

    @classmethod
    def from_file(cls, file_obj: Any) -> Any:
        """Read an object from a file; only classes with ``supports_file_operations``.

        Raises:
            NotImplementedError: the class does not support file operations.
        """
        raise NotImplementedError(f"{cls.__name__} does not support from_file")

    # -- protobuf ---------------------------------------------------------------------------------

    @classmethod
    def get_proto_class(cls) -> Any:
        """The protobuf message class this dataobject is bound to."""
        proto_class = cls._caikit_proto_class
        if proto_class is None:
            raise TypeError(f"{cls.__name__!r} is not decorated with @dataobject")
        return proto_class

    def to_proto(self) -> Any:
        """Build a new protobuf message holding this object's values."""
        proto_class = self._caikit_proto_class
        if proto_class is None:
            self.get_proto_class()  # raises the "not decorated" error
        msg = proto_class()
        try:
            self._caikit_fill(self, msg)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, type(self).__name__) from None
        return msg

    def fill_proto(self, proto: Any) -> Any:
        """Write this object's values into an existing (usually empty) message and return it."""
        try:
            self._caikit_fill(self, proto)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, type(self).__name__) from None
        return proto

    @classmethod
    def from_proto(cls: Type[_T], proto: Any) -> _T:
        """Build an instance from a protobuf message of this class's type.

        Raises:
            TypeError: the message is of another type.
            ValueError: a value cannot be represented (e.g. an unknown enum number).
        """
        cls.get_proto_class()
        descriptor = getattr(proto, "DESCRIPTOR", None)
        if descriptor is None or descriptor.full_name != cls.full_name:
            got = getattr(descriptor, "full_name", type(proto).__name__)
            raise TypeError(
                f"{cls.__name__}.from_proto: expected a {cls.full_name} message, got {got!r}"
            )
        try:
            obj = cls._caikit_from_pb(proto)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, cls.__name__) from None
        return _as_cls(cls, obj)

    def to_binary_buffer(self) -> bytes:
        """Serialize to protobuf wire bytes."""
        return self.to_proto().SerializeToString()

    @classmethod
    def from_binary_buffer(cls: Type[_T], buf: Union[bytes, bytearray, memoryview]) -> _T:
        """Parse protobuf wire bytes.

        Raises:
            TypeError: ``buf`` is not bytes-like.
            ValueError: the bytes are not a valid message (truncated, corrupt, ...).
        """
        if not isinstance(buf, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"{cls.__name__}.from_binary_buffer: expected bytes, got {type(buf).__name__}"
            )
        proto_class = cls.get_proto_class()
        try:
            proto = proto_class.FromString(bytes(buf))
        except Exception as err:  # pylint: disable=broad-except  (DecodeError is not a ValueError)
            raise ValueError(f"{cls.__name__}: invalid protobuf bytes: {err}") from None
        return cls.from_proto(proto)

    # -- dict / JSON ------------------------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """A dict of Python values: every field present (unset -> None; a Union field under
        the name of its set member, or its own name for the classes that ask for it, absent
        when unset), nested objects as dicts, enums by name, bytes and datetimes as they
        are."""
        try:
            return self._caikit_to_native(self)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, type(self).__name__) from None

    def to_json_dict(self) -> Dict[str, Any]:
        """What ``to_json`` serializes: ``to_dict`` with bytes as base64 text and datetimes
        as RFC 3339 UTC text (``2024-01-02T03:04:05.123Z``)."""
        try:
            return self._caikit_to_js(self)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, type(self).__name__) from None

    @classmethod
    def from_dict(cls: Type[_T], data: Dict[str, Any]) -> _T:
        """Build (and validate) an instance from a dict in ``to_dict`` form.

        Python values are accepted too (bytes, Enum members, datetimes, nested instances).
        Missing fields are None; unknown fields are an error.

        Raises:
            TypeError / ValueError naming the path of the offending field.
        """
        cls.get_proto_class()
        try:
            obj = cls._caikit_from_js(data)
        except Exception as err:  # pylint: disable=broad-except
            raise _errors.wrap(err, cls.__name__) from None
        return _as_cls(cls, obj)

    def to_json(self, **json_kwargs: Any) -> str:
        """``json.dumps`` of ``to_json_dict()``; keyword arguments go to ``json.dumps``."""
        if not json_kwargs:
            # the generated writer produces the same text directly for canonical values
            try:
                return self._caikit_to_text(self)
            except Exception:  # pylint: disable=broad-except  (Fallback or an odd value)
                pass
        return json.dumps(self.to_json_dict(), **json_kwargs)

    @classmethod
    def from_json(cls: Type[_T], json_str: Union[str, bytes, Dict[str, Any]]) -> _T:
        """Parse JSON text (or an already-parsed dict) into an instance.

        Raises:
            ValueError: the text is not JSON, or a value is invalid (path named).
            TypeError: a value has the wrong type (path named).
        """
        if isinstance(json_str, (str, bytes, bytearray)):
            try:
                data = json.loads(json_str)
            except ValueError as err:
                raise ValueError(f"{cls.__name__}: invalid JSON: {err}") from None
        else:
            data = json_str
        if not isinstance(data, dict):
            raise TypeError(
                f"{cls.__name__}: expected a JSON object, got {type(data).__name__} {data!r}"
            )
        return cls.from_dict(data)

    def __str__(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2)

    # -- oneofs -----------------------------------------------------------------------------------

    def which_oneof(self, oneof_name: str) -> Optional[str]:
        """The member name set in a ``Union`` field (e.g. ``value_int``), or None."""
        from ._oneof import which_oneof  # pylint: disable=import-outside-toplevel

        return which_oneof(self, oneof_name, type(self)._caikit_plans)


class DataObjectBase(DataBase):
    """Base class for classes decorated with ``@dataobject``."""


def _as_cls(cls: Any, obj: Any) -> Any:
    """Re-home an instance built for the decorated class onto an undecorated subclass."""
    if type(obj) is cls or not isinstance(cls, type):
        return obj
    new: Any = object.__new__(cls)
    new.__dict__.update(obj.__dict__)
    return new
