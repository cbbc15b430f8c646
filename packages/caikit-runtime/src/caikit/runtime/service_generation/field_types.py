"""Turn the annotation of a method parameter into the type of a request-message field.

Request messages are dataobjects, so a field type is anything ``@dataobject`` accepts:
``str``, ``int``, ``float``, ``bool``, ``bytes``, enums, dataobjects, ``datetime``, JSON dicts,
``List[T]``, ``Dict[K, V]`` and ``Union``. Streams (``DataStream[T]``, ``Iterable[T]``, ...)
become their element type for streamed inputs and ``List[T]`` elsewhere. Anything else cannot
be sent over the wire and the parameter is left out of the message.
"""
from __future__ import annotations

import collections.abc
import datetime
import enum
import types
import typing
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = [
    "FieldKind",
    "element_type",
    "field_kind",
    "is_dataobject_class",
    "is_stream_type",
    "split_optional",
    "to_field_type",
]

_SCALARS = (str, int, float, bool, bytes)
_UNION_TYPES = (Union, getattr(types, "UnionType", Union))
_NONE = type(None)


def strip_annotated(tp: Any) -> Any:
    """Drop ``Annotated[...]`` wrappers."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def split_optional(tp: Any) -> Tuple[Any, bool]:
    """``Optional[T]`` -> ``(T, True)``; anything else -> ``(tp, False)``."""
    tp = strip_annotated(tp)
    if typing.get_origin(tp) in _UNION_TYPES:
        args = typing.get_args(tp)
        if _NONE in args:
            rest = tuple(a for a in args if a is not _NONE)
            return (rest[0] if len(rest) == 1 else Union[rest]), True  # type: ignore[return-value]
    return tp, False


def is_dataobject_class(tp: Any) -> bool:
    """Whether ``tp`` is a class decorated with ``@dataobject`` (message, not enum)."""
    return isinstance(tp, type) and "_caikit_full_name" in tp.__dict__ and not issubclass(tp, enum.Enum)


def is_stream_type(tp: Any) -> bool:
    """Whether ``tp`` is a stream of elements: ``DataStream[T]``, ``Iterable[T]``,
    ``Iterator[T]``, ``Generator[T, ...]`` (lists and tuples are not streams)."""
    tp = strip_annotated(tp)
    origin = typing.get_origin(tp) or tp
    if not isinstance(origin, type):
        return False
    if origin.__name__ == "DataStream":
        return True
    if issubclass(origin, (str, bytes, list, tuple, dict, set, frozenset)):
        return False
    return issubclass(origin, (collections.abc.Iterable, collections.abc.Iterator))


def element_type(tp: Any) -> Any:
    """The element type of a stream or list annotation (``Any`` if not given)."""
    args = typing.get_args(strip_annotated(tp))
    return args[0] if args else Any


def _supported_value(tp: Any) -> bool:
    tp = strip_annotated(tp)
    if tp in _SCALARS or tp is datetime.datetime:
        return True
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return True
    if is_dataobject_class(tp):
        return True
    if tp is dict or (typing.get_origin(tp) in (dict, Dict) and typing.get_args(tp)[:1] == (str,) and typing.get_args(tp)[1:] == (Any,)):
        return True
    return False


def to_field_type(tp: Any, streamed: bool = False) -> Optional[Any]:
    """The request-field type for a parameter annotated ``tp`` (``Optional`` removed), or None
    if it cannot be carried by a message.

    Args:
        tp: the parameter's annotation
        streamed: the parameter is a streamed input: a stream type becomes its element type
    """
    tp, _ = split_optional(tp)
    if is_stream_type(tp):
        elem = strip_annotated(element_type(tp))
        if streamed:
            return elem if _supported_value(elem) else None
        return List[elem] if _supported_value(elem) else None
    if _supported_value(tp):
        return tp
    origin = typing.get_origin(tp)
    if origin in (list, List, tuple, collections.abc.Sequence, set, frozenset):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        elem = strip_annotated(args[0]) if args else None
        # List[JsonDict] is "repeated google.protobuf.Struct", as in caikit 0.29.1
        if elem is not None and _supported_value(elem) and typing.get_origin(elem) in (None, dict):
            return List[elem]
        return None
    if origin in (dict, Dict):
        key, value = (strip_annotated(a) for a in typing.get_args(tp))
        if key in (str, int, bool) and _supported_value(value) and typing.get_origin(value) is None:
            return Dict[key, value]
        return None
    if origin in _UNION_TYPES:
        members = [strip_annotated(a) for a in typing.get_args(tp)]
        if all(_supported_value(m) and typing.get_origin(m) is None for m in members):
            return tp
        return None
    return None


class FieldKind(enum.Enum):
    """How the gRPC fast path reads a request field into a keyword argument."""

    SCALAR = "scalar"  # getattr
    ENUM = "enum"  # EnumClass(number)
    MESSAGE = "message"  # Dataobject.from_proto(sub-message)
    SCALAR_LIST = "scalar_list"  # list(getattr)
    ENUM_LIST = "enum_list"
    MESSAGE_LIST = "message_list"
    OTHER = "other"  # through the request dataobject


def field_kind(field_type: Any) -> FieldKind:
    """The fast-path kind of a request field type (see :func:`to_field_type`)."""
    tp = strip_annotated(field_type)
    if tp in _SCALARS:
        return FieldKind.SCALAR
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return FieldKind.ENUM
    if is_dataobject_class(tp):
        return FieldKind.MESSAGE
    if typing.get_origin(tp) in (list, List):
        elem = strip_annotated(element_type(tp))
        if elem in _SCALARS:
            return FieldKind.SCALAR_LIST
        if isinstance(elem, type) and issubclass(elem, enum.Enum):
            return FieldKind.ENUM_LIST
        if is_dataobject_class(elem):
            return FieldKind.MESSAGE_LIST
    return FieldKind.OTHER
