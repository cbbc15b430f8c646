"""Message and MessageHeader: construction, lazy fields, round trips, nested_get, safety."""
import datetime
import json
import threading

import pytest
from caikit.core.data_model import DataObjectBase, dataobject
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import Message, MessageHeader
from caikit_compose.errors import UnknownBodyTypeError
from caikit_compose.message import PACKAGE, MessageBody, path_getter


def test_full_names():
    assert PACKAGE == "caikit_data_model.compose"
    assert Message.full_name == "caikit_data_model.compose.Message"
    assert MessageHeader.full_name == "caikit_data_model.compose.MessageHeader"


def test_from_data_defaults():
    obj = StrSequence(["a", "b"])
    msg = Message.from_data(obj)
    assert msg.unwrapped is obj
    assert msg.header.content_type == StrSequence.full_name
    assert msg.metadata == {}
    assert msg.header.roi_id == 0
    created = msg.header.creation_time
    assert created.tzinfo is datetime.timezone.utc
    assert abs((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds()) < 60
    # data_id and uid are UUIDs, stable once read, and distinct
    assert msg.header.data_id == msg.header.data_id
    assert msg.header.uid != msg.header.data_id
    assert hash(msg.header.hash_id) == hash(msg)


def test_from_data_header_kwargs_and_metadata():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    msg = Message.from_data(
        StrSequence(["x"]), metadata={"k": 1}, data_id="d1", roi_id=3, creation_time=when,
        uid="u1",
    )
    assert (msg.header.data_id, msg.header.roi_id, msg.header.uid) == ("d1", 3, "u1")
    assert msg.header.creation_time == when
    assert msg.metadata == {"k": 1}
    assert msg.header.content_type == StrSequence.full_name
    assert Message.from_data(StrSequence([]), content_type="custom").header.content_type == "custom"


def test_from_data_rejects_non_dataobjects():
    with pytest.raises(TypeError, match="dataobject"):
        Message.from_data({"not": "a data object"})


def test_naive_and_foreign_times_become_utc():
    naive = datetime.datetime(2024, 1, 1, 12, 0, 0)
    header = MessageHeader(creation_time=naive)
    assert header.creation_time.tzinfo is datetime.timezone.utc
    assert header.creation_time == naive.astimezone(datetime.timezone.utc)
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    header = MessageHeader(creation_time=datetime.datetime(2024, 1, 1, 12, tzinfo=plus2))
    assert header.creation_time.hour == 10
    assert MessageHeader(creation_time="2024-01-01T10:00:00Z").creation_time.hour == 10
    with pytest.raises(TypeError):
        MessageHeader(creation_time=object())


def test_positional_header():
    header = MessageHeader("d", "ct", None, 2, "u")
    assert (header.data_id, header.content_type, header.roi_id, header.uid) == ("d", "ct", 2, "u")


def _roundtrips(msg):
    return [
        Message.from_proto(msg.to_proto()),
        Message.from_binary_buffer(msg.to_binary_buffer()),
        Message.from_json(msg.to_json()),
        Message.from_dict(json.loads(json.dumps(msg.to_dict()))),
    ]


def test_exact_round_trips():
    msg = Message.from_data(StrSequence(["a", "b"]), metadata={"k": "v", "n": {"x": [1, 2]}})
    for back in _roundtrips(msg):
        assert back == msg
        assert back.header.creation_time == msg.header.creation_time
        assert isinstance(back.header.creation_time, datetime.datetime)
        assert back.header.creation_time.tzinfo is not None
        assert back.unwrapped == msg.unwrapped
        assert back.unwrapped.values == ["a", "b"]
        assert back.header.uid == msg.header.uid


def test_to_dict_is_json_and_standard_type_url():
    msg = Message.from_data(StrSequence(["a"]))
    data = msg.to_dict()
    json.dumps(data)
    assert data["body"]["type_url"] == "type.googleapis.com/caikit_data_model.common.StrSequence"
    assert isinstance(data["body"]["value"], str)
    assert isinstance(data["header"]["creation_time"], str)
    original = json.loads(json.dumps(data))
    copy = json.loads(json.dumps(data))
    Message.from_dict(copy)
    assert copy == original  # the caller's dict is not mutated


def test_body_is_lazy_and_cached():
    obj = StrSequence(["a"])
    msg = Message.from_data(obj)
    assert "body" not in msg.__dict__
    body = msg.body
    assert isinstance(body, MessageBody)
    assert msg.body is body
    assert msg.body_type == StrSequence.full_name


def test_unwrap_resolves_through_the_registry_and_never_imports():
    forged = Message(
        header=MessageHeader(content_type="x"),
        body=MessageBody(type_url="type.googleapis.com/os.system", value=b""),
    )
    with pytest.raises(UnknownBodyTypeError, match=r"os\.system"):
        _ = forged.unwrapped
    legacy = Message(
        header=MessageHeader(content_type="x"),
        body=MessageBody(type_url="antigravity|Thing", value=b""),
    )
    import sys

    with pytest.raises(UnknownBodyTypeError):
        _ = legacy.unwrapped
    assert "antigravity" not in sys.modules
    # a bare (short) name is not enough either
    bare = Message(body=MessageBody(type_url="StrSequence", value=b""))
    with pytest.raises(UnknownBodyTypeError):
        _ = bare.unwrapped


def test_legacy_type_url_of_a_registered_class():
    body = MessageBody(
        type_url=f"{StrSequence.__module__}|StrSequence",
        value=StrSequence(["z"]).to_binary_buffer(),
    )
    assert Message(header=MessageHeader(), body=body).unwrapped.values == ["z"]


def test_body_from_any_like_object():
    from google.protobuf import any_pb2

    proto_any = any_pb2.Any(
        type_url="type.googleapis.com/caikit_data_model.common.StrSequence",
        value=StrSequence(["q"]).to_binary_buffer(),
    )
    assert Message(header=MessageHeader(), body=proto_any).unwrapped.values == ["q"]


def test_locally_defined_class_unwraps_by_full_name():
    @dataobject(package="compose_tests.local")
    class Local(DataObjectBase):
        v: int

    msg = Message.from_data(Local(v=3))
    assert Message.from_binary_buffer(msg.to_binary_buffer()).unwrapped.v == 3


def test_nested_get():
    msg = Message.from_data(
        StrSequence(["a"]), metadata={"k": 1, "deep": {"x": "y"}}, data_id="d"
    )
    assert msg.nested_get("header.data_id") == "d"
    assert msg.nested_get("metadata.k") == 1
    assert msg.nested_get("metadata.deep.x") == "y"
    assert msg.nested_get("values") == ["a"]
    assert msg.nested_get("unwrapped.values") == ["a"]
    assert msg.nested_get("nope.x") is None
    assert msg.nested_get("metadata.nope.x") is None
    assert msg.nested_get("metadata.missing", default=7) == 7
    for bad in ("", "a..b", None):
        with pytest.raises(ValueError):
            msg.nested_get(bad)
    assert path_getter("header.data_id")(msg) == "d"


def test_empty_message():
    msg = Message()
    assert msg.header is None and msg.metadata == {} and msg.unwrapped is None
    assert msg == Message()
    assert hash(msg) == 0


def test_equality():
    a = Message.from_data(StrSequence(["a"]), data_id="d", uid="u")
    b = Message.from_binary_buffer(a.to_binary_buffer())
    assert a == b
    b.metadata["changed"] = True
    assert a != b
    assert a != "not a message"


def test_copy_is_independent():
    msg = Message.from_data(StrSequence(["a"]), metadata={"n": {"x": 1}})
    copy = msg.copy()
    assert copy == msg and copy.header.uid == msg.header.uid
    copy.metadata["n"]["x"] = 2
    copy.unwrapped.values.append("b")
    copy.header.roi_id = 9
    assert msg.metadata == {"n": {"x": 1}}
    assert msg.unwrapped.values == ["a"]
    assert msg.header.roi_id == 0


def test_lazy_ids_agree_across_threads():
    for _ in range(50):
        msg = Message.from_data(StrSequence([]))
        seen = []
        barrier = threading.Barrier(4)

        def read(barrier=barrier, seen=seen, msg=msg):
            barrier.wait()
            seen.append(msg.header.uid)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(seen)) == 1


def test_repr_does_not_serialize():
    msg = Message.from_data(StrSequence(["a"]))
    assert "StrSequence" in repr(msg)
    assert "body" not in msg.__dict__
