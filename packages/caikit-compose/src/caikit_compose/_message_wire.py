"""Parsing ``Message`` protobufs cheaply.

caikit's generic data-object conversion builds every field eagerly: the header's timestamp
becomes a ``datetime``, the body a ``MessageBody`` and the metadata ``Struct`` a dict, even
when it is empty. A message that a queue only routes (or that a grouping only stores) needs
none of that, so :func:`message_from_proto` reads the header's scalar fields, keeps the
creation time as integer nanoseconds (turned into a ``datetime`` on first read, as for messages
built by ``Message.from_data``) and keeps the body and a non-empty metadata ``Struct`` as parsed
protobuf until they are first read. An empty metadata ``Struct`` is never converted.

The result equals what the generic conversion gives (a test holds the two equal): unset header,
body or metadata stay ``None``, an unset creation time is ``None``, integral metadata numbers
come back as ints.
"""
from __future__ import annotations

from typing import Any, Dict

from .message import PACKAGE, MessageBody, MessageHeader

__all__ = [
    "body_from_proto",
    "message_from_binary_buffer",
    "message_from_proto",
    "struct_to_dict",
]

_MESSAGE_NAME = f"{PACKAGE}.Message"
_new = object.__new__


def struct_to_dict(struct: Any) -> Dict[str, Any]:
    """A ``google.protobuf.Struct`` as a dict (integral numbers as ints, as caikit does)."""
    return {key: _value(value) for key, value in struct.fields.items()}


def _value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    return None


def body_from_proto(body: Any) -> MessageBody:
    """A :class:`MessageBody` holding a copy of a parsed body's type URL and bytes."""
    out = _new(MessageBody)
    out.__dict__.update(type_url=body.type_url, value=body.value)
    return out


def _header(h: Any) -> MessageHeader:
    header = _new(MessageHeader)
    d = header.__dict__
    d["data_id"] = h.data_id
    d["content_type"] = h.content_type
    if h.HasField("creation_time"):
        ts = h.creation_time
        d["_ctime_ns"] = ts.seconds * 1_000_000_000 + ts.nanos
    else:
        d["creation_time"] = None
    d["roi_id"] = h.roi_id
    d["uid"] = h.uid
    return header


def message_from_proto(cls: Any, proto: Any) -> Any:
    """``cls.from_proto(proto)`` without converting what nobody reads (module docstring).

    Raises:
        TypeError: ``proto`` is not a ``caikit_data_model.compose.Message``
    """
    descriptor = getattr(proto, "DESCRIPTOR", None)
    if descriptor is None or descriptor.full_name != _MESSAGE_NAME:
        got = getattr(descriptor, "full_name", type(proto).__name__)
        raise TypeError(f"{cls.__name__}.from_proto: expected a {_MESSAGE_NAME} message, got {got!r}")
    msg = _new(cls)
    d = msg.__dict__
    d["header"] = _header(proto.header) if proto.HasField("header") else None
    if proto.HasField("body"):
        d["_body_pb"] = proto.body
    else:
        d["body"] = None
    if not proto.HasField("metadata"):
        d["metadata"] = None
    elif proto.metadata.fields:
        d["_metadata_pb"] = proto.metadata
    else:
        d["metadata"] = {}
    return msg


def message_from_binary_buffer(cls: Any, buf: Any) -> Any:
    """``cls.from_binary_buffer(buf)`` through :func:`message_from_proto`.

    Raises:
        TypeError: ``buf`` is not bytes-like
        ValueError: the bytes are not a protobuf ``Message``
    """
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{cls.__name__}.from_binary_buffer: expected bytes, got {type(buf).__name__}"
        )
    try:
        proto = cls.get_proto_class().FromString(bytes(buf))
    except Exception as err:  # pylint: disable=broad-except  (DecodeError is not a ValueError)
        raise ValueError(f"{cls.__name__}: invalid protobuf bytes: {err}") from None
    return message_from_proto(cls, proto)
