"""Messages as protobuf bytes: the wire form of ``caikit_data_model.compose.Message``.

:func:`encode` writes the same bytes as ``Message.to_binary_buffer()`` (any reader with the
schema can parse them; a test holds the two equal), but writes the protobuf wire format
directly from the message's public fields: caikit's generic data-object conversion costs tens of
microseconds per message, which would cap the queue far below Redis' own speed.

:func:`decode` parses with the generated protobuf class (upb, in C) and builds the message with
``Message.from_proto``, which reads the header and keeps the body and metadata as parsed
protobuf until they are first read. The body stays bytes: ``Message.unwrapped`` later resolves
its type through the registry of data objects defined in the process, so a message can never
make a receiver import anything, and nothing is ever unpickled.
"""
from __future__ import annotations

from typing import Any, Dict

from caikit_compose import Message, MessageHeader
from google.protobuf import struct_pb2
from google.protobuf.message import DecodeError

__all__ = ["decode", "encode", "from_proto", "varint"]

_MessageProto = Message.get_proto_class()


_SMALL = [bytes((n,)) for n in range(128)]
# content type / type url -> its encoded field (a handful of distinct values per application)
_CONTENT_TYPE_FIELDS: Dict[str, bytes] = {}
_TYPE_URL_FIELDS: Dict[str, bytes] = {}
_CACHE_LIMIT = 10_000


def varint(value: int) -> bytes:
    """Protobuf varint (unrolled for the sizes messages use; int64 two's complement below 0)."""
    if value < 0x80:
        if value < 0:
            value += 1 << 64
            out = bytearray()
            while value > 127:
                out.append((value & 0x7F) | 0x80)
                value >>= 7
            out.append(value)
            return bytes(out)
        return _SMALL[value]
    if value < 0x4000:
        return bytes((value & 0x7F | 0x80, value >> 7))
    if value < 0x200000:
        return bytes((value & 0x7F | 0x80, (value >> 7) & 0x7F | 0x80, value >> 14))
    if value < 0x10000000:
        return bytes(
            (
                value & 0x7F | 0x80,
                (value >> 7) & 0x7F | 0x80,
                (value >> 14) & 0x7F | 0x80,
                value >> 21,
            )
        )
    out = bytearray()
    while value > 127:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _cached_field(cache: Dict[str, bytes], tag: bytes, value: str) -> bytes:
    field = cache.get(value)
    if field is None:
        data = value.encode()
        field = tag + varint(len(data)) + data if data else b""
        if len(cache) < _CACHE_LIMIT:
            cache[value] = field
    return field


class _Seconds:
    """The encoded seconds of the last timestamp (they change once a second)."""

    value = -1
    field = b""


def _header(header: MessageHeader) -> bytes:
    seconds, micros = divmod(header.sort_key, 1_000_000)
    if seconds != _Seconds.value:
        _Seconds.field = b"\x08" + varint(seconds) if seconds else b""
        _Seconds.value = seconds
    timestamp = _Seconds.field + (b"\x10" + varint(micros * 1000) if micros else b"")
    data_id = (header.data_id or "").encode()
    uid = (header.uid or "").encode()
    roi = header.roi_id
    return b"".join(
        (
            b"\x0a" + varint(len(data_id)) + data_id if data_id else b"",
            _cached_field(_CONTENT_TYPE_FIELDS, b"\x12", header.content_type or ""),
            b"\x1a",
            _SMALL[len(timestamp)],
            timestamp,
            b"\x20" + varint(roi) if roi else b"",
            b"\x2a" + varint(len(uid)) + uid if uid else b"",
        )
    )


def encode(message: Message) -> bytes:
    """The protobuf bytes of ``message`` (the ``Message`` schema).

    Raises:
        TypeError: ``message`` is not a :class:`Message`, or its metadata is not JSON-like
    """
    if not isinstance(message, Message):
        raise TypeError(f"The REDIS message queue carries caikit_compose.Message, got {message!r}")
    parts = []
    header = message.header
    if header is not None:
        data = _header(header)
        parts.append(b"\x0a" + varint(len(data)) + data)
    body = message.body
    if body is not None:
        value = body.value or b""
        data = _cached_field(_TYPE_URL_FIELDS, b"\x0a", body.type_url or "")
        if value:
            data += b"\x12" + varint(len(value)) + value
        parts.append(b"\x12" + varint(len(data)) + data)
    metadata = message.metadata
    if metadata is not None:
        if metadata:
            struct = struct_pb2.Struct()
            try:
                struct.update(metadata)
            except (TypeError, ValueError, AttributeError) as err:
                raise TypeError(
                    f"Message metadata must be JSON-like, got {metadata!r}: {err}"
                ) from err
            data = struct.SerializeToString()
            parts.append(b"\x1a" + varint(len(data)) + data)
        else:
            parts.append(b"\x1a\x00")
    return b"".join(parts)


def decode(data: bytes) -> Message:
    """Rebuild a message from :func:`encode`'s bytes (or any ``Message`` protobuf bytes).

    Raises:
        ValueError: the bytes are not a protobuf ``Message``
    """
    try:
        proto = _MessageProto.FromString(data)
    except (DecodeError, TypeError) as err:
        raise ValueError(f"Not a protobuf caikit_data_model.compose.Message: {err}") from err
    return _from_proto(proto)


def from_proto(proto: Any) -> Message:
    """Rebuild a message from its parsed protobuf (e.g. one inside a parsed group state)."""
    return _from_proto(proto)


_from_proto = Message.from_proto
