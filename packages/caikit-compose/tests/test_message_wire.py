"""Parsing messages cheaply (``Message.from_proto`` / ``from_binary_buffer``) gives what the
generic data-object conversion gives, and ``publish_sequence`` is delivery information."""
import datetime

import pytest
from caikit.core.data_model import DataBase
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import Message, MessageHeader
from caikit_compose.message import MessageBody, metadata_if_any

Proto = Message.get_proto_class()
_generic_from_proto = DataBase.from_proto.__func__

PROTOS = [
    Proto(),
    Proto(header={}),
    Proto(metadata={}),
    Proto(body={}),
    Proto(header={"creation_time": {}}),
    Message.from_data(
        StrSequence(["a"]),
        data_id="d",
        roi_id=-3,
        uid="u",
        creation_time=datetime.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc),
        metadata={"k": 1, "f": 1.5, "l": [1, "x", None, True], "n": {"z": {}}},
    ).to_proto(),
    Message(header=MessageHeader(data_id="no-body", content_type="T"), body=None).to_proto(),
]


@pytest.mark.parametrize("proto", PROTOS, ids=range(len(PROTOS)))
def test_parsing_equals_the_generic_conversion(proto):
    fast = Message.from_proto(proto)
    generic = _generic_from_proto(Message, proto)
    assert fast == generic
    assert fast.metadata == generic.metadata and type(fast.metadata) is type(generic.metadata)
    assert fast.to_dict() == generic.to_dict()
    assert (fast.body is None) == (generic.body is None)
    if fast.header is not None:
        assert fast.header.creation_time == generic.header.creation_time
        if generic.header.creation_time is not None:
            assert fast.header.sort_key == generic.header.sort_key
    back = Message.from_binary_buffer(proto.SerializeToString())
    assert back == generic
    assert Message.from_binary_buffer(back.to_binary_buffer()) == generic  # and back again


def test_body_and_metadata_are_converted_when_first_read():
    msg = Message.from_data(StrSequence(["x"]), metadata={"k": {"v": 1}})
    parsed = Message.from_binary_buffer(msg.to_binary_buffer())
    assert "metadata" not in parsed.__dict__ and "body" not in parsed.__dict__
    assert parsed.body_type == StrSequence.full_name
    assert parsed.unwrapped == StrSequence(["x"])  # straight from the parsed bytes
    assert "body" not in parsed.__dict__
    assert metadata_if_any(parsed) == {"k": {"v": 1}}
    assert parsed.metadata is parsed.metadata  # converted once
    assert isinstance(parsed.body, MessageBody) and parsed.body is parsed.body
    empty = Message.from_binary_buffer(Message.from_data(StrSequence([])).to_binary_buffer())
    assert empty.__dict__["metadata"] == {} and metadata_if_any(empty) == {}


def test_bad_bytes():
    with pytest.raises(TypeError):
        Message.from_binary_buffer("text")
    with pytest.raises(ValueError):
        Message.from_binary_buffer(b"\xff\xfe\xfd")
    with pytest.raises(TypeError):
        Message.from_proto(StrSequence(["x"]).to_proto())


def test_publish_sequence_is_delivery_information():
    msg = Message.from_data(StrSequence(["a"]))
    assert msg.publish_sequence is None
    msg.publish_sequence = 7
    assert msg.copy().publish_sequence == 7
    for back in (
        Message.from_binary_buffer(msg.to_binary_buffer()),
        Message.from_json(msg.to_json()),
        Message.from_dict(msg.to_dict()),
    ):
        assert back.publish_sequence is None and back == msg
    assert "publish_sequence" not in msg.to_dict()
