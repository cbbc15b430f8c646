"""Messages as protobuf bytes: the wire form of ``caikit_data_model.compose.Message``.

:func:`encode` writes the same bytes as ``Message.to_binary_buffer()`` (any reader with the
schema can parse them), but fills the generated protobuf class directly from the message's
public fields: caikit's generic data-object conversion costs tens of microseconds per message,
which would cap the queue far below Redis' own speed.

:func:`decode` parses with the generated protobuf class (upb, in C) and rebuilds the message
through its public constructors. The body stays bytes: ``Message.unwrapped`` later resolves its
type through the registry of data objects defined in the process, so a message can never make
a receiver import anything, and nothing is ever unpickled.
"""
from __future__ import annotations

import datetime
from typing import Any, Dict

from caikit_compose import Message, MessageHeader
from caikit_compose.message import MessageBody
from google.protobuf.message import DecodeError

__all__ = ["decode", "encode"]

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_MessageProto = Message.get_proto_class()


def encode(message: Message) -> bytes:
    """The protobuf bytes of ``message`` (the ``Message`` schema).

    Raises:
        TypeError: ``message`` is not a :class:`Message`, or its metadata is not JSON-like
    """
    if not isinstance(message, Message):
        raise TypeError(f"The REDIS message queue carries caikit_compose.Message, got {message!r}")
    proto = _MessageProto()
    header = message.header
    if header is not None:
        ph = proto.header
        ph.data_id = header.data_id or ""
        ph.content_type = header.content_type or ""
        ts = ph.creation_time
        ts.seconds, micros = divmod(header.sort_key, 1_000_000)
        ts.nanos = micros * 1000
        ph.roi_id = header.roi_id or 0
        ph.uid = header.uid or ""
    body = message.body
    if body is not None:
        pb = proto.body
        pb.type_url = body.type_url or ""
        pb.value = body.value or b""
    metadata = message.metadata
    if metadata is not None:
        struct = proto.metadata
        struct.SetInParent()
        if metadata:
            try:
                struct.update(metadata)
            except (TypeError, ValueError, AttributeError) as err:
                raise TypeError(
                    f"Message metadata must be JSON-like, got {metadata!r}: {err}"
                ) from err
    return proto.SerializeToString()


def _value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = value.number_value
        # integral numbers come back as ints, as caikit's JsonDict conversion does
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return _struct(value.struct_value)
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    return None


def _struct(struct: Any) -> Dict[str, Any]:
    return {key: _value(val) for key, val in struct.fields.items()}


def decode(data: bytes) -> Message:
    """Rebuild a message from :func:`encode`'s bytes (or any ``Message`` protobuf bytes).

    Raises:
        ValueError: the bytes are not a protobuf ``Message``
    """
    try:
        proto = _MessageProto.FromString(data)
    except (DecodeError, TypeError) as err:
        raise ValueError(f"Not a protobuf caikit_data_model.compose.Message: {err}") from err
    header = None
    if proto.HasField("header"):
        h = proto.header
        ts = h.creation_time
        header = MessageHeader(
            data_id=h.data_id,
            content_type=h.content_type,
            creation_time=_EPOCH
            + datetime.timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000),
            roi_id=h.roi_id,
            uid=h.uid,
        )
    body = None
    if proto.HasField("body"):
        body = MessageBody(type_url=proto.body.type_url, value=proto.body.value)
    metadata = proto.metadata
    metadata = _struct(metadata) if len(metadata.fields) else {}
    return Message(header=header, body=body, metadata=metadata)
