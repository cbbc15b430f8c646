"""Grouping states as bytes, fast: the same bytes as :mod:`caikit_compose.group_store.codec`.

The built-in groupings keep messages in their states (a partial KEY group, a block of COUNT
windows), and every transition writes the whole state. caikit-compose's codec goes through
caikit's generic data-object conversion, tens of microseconds per message; this one writes and
reads the ``GroupElement`` / ``CompoundGroupState`` protobufs directly with the message codec of
this plugin. Either codec reads what the other wrote: the bytes are identical (a test holds
them equal), except that a COUNT window block's ``partial_items`` map is written here in
ascending sequence order, where protobuf leaves map order unspecified. Any other state (and the
tombstone, the single byte ``T``) goes through caikit-compose's codec unchanged.

Types are resolved by name through registries of classes already defined in the process
(``frozen_state_class``, the data-object registry); nothing is imported and nothing is unpickled.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterable, List

from caikit_compose.group_store import FrozenState
from caikit_compose.group_store import codec as compose_codec
from caikit_compose.group_store.state import frozen_state_class
from caikit_compose.grouping import CompoundGroupState, GroupElement
from caikit_compose.grouping._states import WindowBlock

from ._codec import encode as encode_message
from ._codec import from_proto, varint

__all__ = ["decode", "encode"]

_FROZEN = b"F"
_SEP = b"\n"
_GroupElementProto = GroupElement.get_proto_class()
_CompoundGroupStateProto = CompoundGroupState.get_proto_class()
_first = itemgetter(0)


def _element_bytes(messages: Iterable[Any]) -> bytes:
    parts = []
    for message in messages:
        data = encode_message(message)
        parts.append(b"\x0a" + varint(len(data)) + data)
    return b"".join(parts)


def _dataobject_bytes(obj: Any) -> bytes:
    cls = type(obj)
    if cls is GroupElement:
        return _element_bytes(obj.messages or ())
    if cls is CompoundGroupState and not obj.partial_items:
        parts = []
        for element in obj.series or ():
            data = _element_bytes(element.messages or ())
            parts.append(b"\x12" + varint(len(data)) + data)
        if obj.skip:
            parts.append(b"\x18" + varint(obj.skip))
        return b"".join(parts)
    return obj.to_binary_buffer()


def _window_block_bytes(block: WindowBlock) -> bytes:
    """``CompoundGroupState(partial_items={str(sequence): frame}, skip=done)``, entries in
    ascending sequence order."""
    parts = []
    for index, sequence in enumerate(block.sequences):
        key = str(sequence).encode()
        value = _element_bytes(block.frame_messages(index))
        entry = b"\x0a" + varint(len(key)) + key + b"\x12" + varint(len(value)) + value
        parts.append(b"\x0a" + varint(len(entry)) + entry)
    if block.done:
        parts.append(b"\x18" + varint(block.done))
    return b"".join(parts)


def encode(state: Any) -> bytes:
    """Serialize a grouping state (as :func:`caikit_compose.group_store.codec.encode` does).

    Raises:
        TypeError: the state is neither a FrozenState, a data object, TOMBSTONE nor None
    """
    if state.__class__ is WindowBlock:
        return _FROZEN + state.codec_name.encode() + _SEP + _window_block_bytes(state)
    if isinstance(state, FrozenState):
        obj = state.to_dataobject()
        return _FROZEN + state.codec_name.encode() + _SEP + _dataobject_bytes(obj)
    return compose_codec.encode(state)


def _element(proto: Any) -> GroupElement:
    return GroupElement(messages=[from_proto(m) for m in proto.messages])


def _elements(protos: Iterable[Any]) -> List[GroupElement]:
    return [_element(p) for p in protos]


def decode(data: bytes) -> Any:
    """Rebuild a state written by :func:`encode` (or by caikit-compose's codec).

    Raises:
        ValueError: the bytes are not an encoded state
        LookupError: the named type is not defined in this process
    """
    data = bytes(data)
    if data[:1] != _FROZEN:
        return compose_codec.decode(data)
    name, sep, payload = data[1:].partition(_SEP)
    if not sep:
        raise ValueError(f"Not an encoded group state: {data[:40]!r}")
    cls = frozen_state_class(name.decode())
    if cls is WindowBlock:
        proto = _CompoundGroupStateProto.FromString(payload)
        items = sorted(((int(k), v) for k, v in proto.partial_items.items()), key=_first)
        frames = []
        for _, element in items:
            messages = tuple(from_proto(m) for m in element.messages)
            frames.append(messages[0] if len(messages) == 1 else messages)
        return WindowBlock(tuple(k for k, _ in items), tuple(frames), proto.skip)
    obj_cls = cls.dataobject_class()
    if obj_cls is GroupElement:
        obj = _element(_GroupElementProto.FromString(payload))
    elif obj_cls is CompoundGroupState:
        proto = _CompoundGroupStateProto.FromString(payload)
        obj = CompoundGroupState(
            partial_items={key: _element(value) for key, value in proto.partial_items.items()},
            series=_elements(proto.series),
            skip=proto.skip,
        )
    else:
        return compose_codec.decode(data)
    return cls.from_dataobject(obj)
