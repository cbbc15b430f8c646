"""The plugin's codecs write exactly caikit-compose's bytes, and read them back exactly."""
from __future__ import annotations

import datetime

import pytest
from caikit.core.data_model import DataBase
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, GROUPING_FACTORY, Message, MessageHeader
from caikit_compose.group_store import codec as compose_codec
from caikit_compose.group_store.state import frozen_state_class
from caikit_compose.grouping import CompoundGroupState, GroupElement
from caikit_compose.message import MessageBody
from caikit_compose_redis import _codec, _state_codec
from google.protobuf.internal import encoder

MESSAGES = [
    Message.from_data(StrSequence(["plain"])),
    Message.from_data(StrSequence(["a", "b"]), data_id="d1", roi_id=7, metadata={"k": 1}),
    Message.from_data(
        StrSequence([]),
        data_id="",
        roi_id=-3,
        content_type="custom.Type",
        creation_time=datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
        metadata={"nested": {"list": [1, 2.5, "x", True, None]}, "f": 0.25},
    ),
    Message.from_data(
        StrSequence(["ü ✓"]),
        creation_time=datetime.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc),
    ),
    Message(header=MessageHeader(data_id="no-body", content_type="T"), body=None, metadata={}),
]


@pytest.mark.parametrize("message", MESSAGES, ids=range(len(MESSAGES)))
def test_message_bytes_equal_caikit_compose_and_round_trip(message):
    data = _codec.encode(message)
    assert data == message.to_binary_buffer()
    back = _codec.decode(data)
    assert back == message
    assert back.header.sort_key == message.header.sort_key
    assert back.metadata == message.metadata
    assert Message.from_binary_buffer(data) == message


@pytest.mark.parametrize(
    "value", [0, 1, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 2**28, 2**40, 2**63 - 1, -1, -(2**40)]
)
def test_varints_match_protobuf(value):
    assert _codec.varint(value) == encoder._VarintBytes(value % (1 << 64))


def test_garbage_is_a_value_error():
    with pytest.raises(ValueError, match="Not a protobuf"):
        _codec.decode(b"\xff\xfe\xfd")
    with pytest.raises(TypeError, match=r"caikit_compose\.Message"):
        _codec.encode("not a message")


def test_body_types_resolve_through_the_registry_only():
    forged = Message(
        header=MessageHeader(data_id="x"),
        body=MessageBody(type_url="type.googleapis.com/os.system", value=b""),
    )
    decoded = _codec.decode(_codec.encode(forged))
    with pytest.raises(LookupError):
        _ = decoded.unwrapped


def _grouping_states() -> list:
    """States the built-in groupings really write: a partial KEY group, COUNT windows."""
    store = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    key = GROUPING_FACTORY.construct({"type": "KEY_GROUPING"}, "k", store, ["A", "B"])
    key.add_message(Message.from_data(StrSequence(["a"]), data_id="1", content_type="A"))
    count = GROUPING_FACTORY.construct(
        {"type": "COUNT_GROUPING", "config": {"window_size": 3, "window_stride": 5}},
        "c",
        store,
        ["C"],
    )
    for i in range(4):
        count.add_message(
            Message.from_data(StrSequence([str(i)]), data_id=str(i), content_type="C", metadata={"i": i})
        )
    states = [store.get_versioned(k).state for k in sorted(store.scan(""))]
    assert len(states) >= 2
    return states


STATES = [
    None,
    *_grouping_states(),
    GroupElement(messages=list(MESSAGES[:3])),
    CompoundGroupState(
        partial_items={"k": GroupElement(messages=[MESSAGES[1]])},
        series=[GroupElement(messages=[MESSAGES[0]])],
        skip=1,
    ),
]


@pytest.mark.parametrize("state", STATES, ids=range(len(STATES)))
def test_state_bytes_equal_caikit_compose_and_round_trip(state):
    data = _state_codec.encode(state)
    assert data == compose_codec.encode(state)
    back = _state_codec.decode(data)
    assert type(back) is type(state)
    assert back == state
    # the same bytes again, up to the order of map entries (protobuf leaves that unspecified,
    # and a decoded metadata dict may iterate in another order than the one encoded)
    if state is not None:
        assert _canonical(compose_codec.encode(back)) == _canonical(data)


def _canonical(data: bytes) -> bytes:
    """Encoded state bytes with their protobuf part serialized deterministically."""
    kind, name, payload = data[:1], *data[1:].split(b"\n", 1)
    if kind == b"F":
        cls = frozen_state_class(name.decode()).dataobject_class()
    else:
        cls = DataBase.get_class_for_name(name.decode())
    message = cls.get_proto_class()()
    message.ParseFromString(payload)
    return kind + name + b"\n" + message.SerializeToString(deterministic=True)


def _window_block():
    """A block of COUNT windows over the publish sequence, with a done window."""
    store = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    count = GROUPING_FACTORY.construct(
        {"type": "COUNT_GROUPING", "config": {"window_size": 2}}, "w", store, ["C"]
    )
    for q in (1, 2, 4, 7):  # window 0 completes; 2 waits for 3, 4 for 3 and 5, 7 for 6 and 8
        msg = Message.from_data(StrSequence([str(q)]), data_id=str(q), content_type="C", metadata={"q": q})
        msg.publish_sequence = q
        count.add_message(msg)
    (key,) = store.scan("COUNT_GROUPING/w/b/")
    return store.get_versioned(key).state


def test_a_window_block_round_trips_through_either_codec():
    block = _window_block()
    assert block.sequences == (2, 4, 7) and block.done == 1
    fast = _state_codec.encode(block)
    generic = compose_codec.encode(block)
    for data in (fast, generic):
        for decode in (_state_codec.decode, compose_codec.decode):
            back = decode(data)
            assert type(back) is type(block)
            assert back.sequences == block.sequences and back.done == block.done
            assert [m.header.uid for f in back.frames for m in (f if isinstance(f, tuple) else (f,))] == [
                m.header.uid for m in block.frames
            ]
            assert [m.metadata for m in back.frames] == [{"q": 2}, {"q": 4}, {"q": 7}]


def test_the_tombstone_is_one_byte_in_both_codecs():
    from caikit_compose.group_store import TOMBSTONE

    assert _state_codec.encode(TOMBSTONE) == compose_codec.encode(TOMBSTONE) == b"T"
    assert _state_codec.decode(b"T") is TOMBSTONE
