"""Dataobject conversions: proto, binary, JSON and dict, for every field kind, plus bad input."""

import datetime
import json
from enum import Enum
from typing import Dict, List, Optional, Union

import pytest
from caikit.core import DataObjectBase, dataobject
from caikit.core.data_model import JsonDict

PKG = "tests.dataobject.conversions"
UTC = datetime.timezone.utc


@dataobject(package=PKG)
class Shade(Enum):
    LIGHT = 1
    DARK = 2


@dataobject(package=PKG)
class Level(Enum):
    NONE = 0
    HIGH = 1


@dataobject(package=PKG)
class Leaf(DataObjectBase):
    name: str
    weight: int = 3


@dataobject(package=PKG)
class Everything(DataObjectBase):
    text: str
    count: int
    ratio: float
    flag: bool
    blob: bytes
    shade: Shade
    level: Level
    leaf: Leaf
    leaves: List[Leaf]
    numbers: List[int]
    shades: List[Shade]
    by_name: Dict[str, int]
    leaf_by_id: Dict[int, Leaf]
    maybe_text: Optional[str]
    maybe_leaf: Optional[Leaf]
    choice: Union[int, str, Leaf]
    when: datetime.datetime
    extra: JsonDict


def full() -> Everything:
    return Everything(
        text="héllo",
        count=-5,
        ratio=0.25,
        flag=True,
        blob=b"\x00\xff",
        shade=Shade.DARK,
        level=Level.HIGH,
        leaf=Leaf("a", 1),
        leaves=[Leaf("b", 2), Leaf("c")],
        numbers=[1, 2, 3],
        shades=[Shade.LIGHT, Shade.DARK],
        by_name={"x": 1},
        leaf_by_id={7: Leaf("d", 4)},
        maybe_text="m",
        maybe_leaf=Leaf("e", 5),
        choice="picked",
        when=datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        extra={"k": [1, "two", None, {"three": True}], "f": 1.5},
    )


def test_proto_round_trip():
    obj = full()
    proto = obj.to_proto()
    assert proto.shade == 2 and proto.choice_str == "picked"
    assert proto.WhichOneof("choice") == "choice_str"
    assert Everything.from_proto(proto) == obj


def test_binary_round_trip():
    obj = full()
    assert Everything.from_binary_buffer(obj.to_binary_buffer()) == obj


def test_json_round_trip_and_shape():
    obj = full()
    text = obj.to_json()
    data = json.loads(text)
    assert data["blob"] == "AP8="
    assert data["shade"] == "DARK"
    assert data["shades"] == ["LIGHT", "DARK"]
    assert data["when"] == "2024-05-06T07:08:09.123456Z"
    assert data["leaf_by_id"] == {"7": {"name": "d", "weight": 4}}
    assert data["choice_str"] == "picked" and "choice" not in data
    assert list(data) == [
        "text", "count", "ratio", "flag", "blob", "shade", "level", "leaf", "leaves",
        "numbers", "shades", "by_name", "leaf_by_id", "maybe_text", "maybe_leaf",
        "choice_str", "when", "extra",
    ]  # fmt: skip
    assert Everything.from_json(text) == obj
    assert Everything.from_json(data) == obj


def test_to_json_matches_json_dumps_of_to_json_dict():
    obj = full()
    assert obj.to_json() == json.dumps(obj.to_json_dict())
    assert obj.to_json(indent=2) == json.dumps(obj.to_json_dict(), indent=2)
    leaf = Leaf("x")
    assert leaf.to_json() == json.dumps(leaf.to_json_dict()) == '{"name": "x", "weight": 3}'


def test_to_json_of_unusual_values_takes_the_general_path():
    sub = type("S", (str,), {})("sub")
    assert Leaf(name=sub, weight=1).to_json() == '{"name": "sub", "weight": 1}'
    with pytest.raises(TypeError, match=r"Leaf\.weight: expected int, got bool"):
        Leaf(name="x", weight=True).to_json()


def test_float_fields_accept_ints_and_special_values():
    @dataobject(package=PKG)
    class Floaty(DataObjectBase):
        value: float
        values: List[float]

    assert Floaty(1, [2]).to_json() == '{"value": 1.0, "values": [2.0]}'
    assert Floaty(float("nan"), [float("inf")]).to_json() == '{"value": NaN, "values": [Infinity]}'
    assert Floaty.from_json('{"value": "NaN", "values": ["-Infinity", 3]}').values == [
        float("-inf"),
        3.0,
    ]


def test_to_dict_keeps_python_values():
    obj = full()
    data = obj.to_dict()
    assert data["blob"] == b"\x00\xff"
    assert data["when"] == obj.when
    assert data["shade"] == "DARK"
    assert data["leaf"] == {"name": "a", "weight": 1}
    assert data["leaf_by_id"] == {7: {"name": "d", "weight": 4}}
    assert data["choice_str"] == "picked"
    assert Everything.from_dict(data) == obj


def test_unset_fields():
    empty = Everything()
    data = json.loads(empty.to_json())
    assert all(value is None for value in data.values())
    assert "choice" not in data and "choice_int" not in data
    proto = empty.to_proto()
    assert proto.ByteSize() == 0
    back = Everything.from_proto(proto)
    # plain scalars come back as proto3 zero values, presence-tracked fields as None
    assert (back.text, back.count, back.flag, back.blob) == ("", 0, False, b"")
    assert (back.maybe_text, back.maybe_leaf, back.leaf, back.when, back.extra) == (None,) * 5
    assert back.shade is None  # PLACEHOLDER_UNSET of an enum without a 0 member
    assert back.level is Level.NONE
    assert (back.leaves, back.by_name, back.choice) == ([], {}, None)


def test_from_json_missing_optional_is_none_and_missing_plain_is_zero():
    obj = Everything.from_json('{"text": "t"}')
    assert obj.maybe_text is None
    assert obj.count == 0 and obj.numbers == [] and obj.by_name == {}
    assert obj.leaf is None and obj.when is None


def test_optional_zero_values_keep_presence():
    obj = Everything(maybe_text="")
    assert obj.to_proto().HasField("maybe_text")
    assert Everything.from_proto(obj.to_proto()).maybe_text == ""
    assert Everything.from_binary_buffer(Everything().to_binary_buffer()).maybe_text is None


def test_datetimes_are_timezone_aware_utc():
    naive = datetime.datetime(2024, 1, 1, 12, 0, 0)
    obj = Everything(when=naive)
    back = Everything.from_proto(obj.to_proto())
    assert back.when == datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert back.when.tzinfo is not None
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    other = Everything(when=datetime.datetime(2024, 1, 1, 14, 0, tzinfo=plus_two))
    assert json.loads(other.to_json())["when"] == "2024-01-01T12:00:00Z"
    parsed = Everything.from_json('{"when": "2024-01-01T14:00:00.5+02:00"}').when
    assert parsed == datetime.datetime(2024, 1, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert parsed.utcoffset() == datetime.timedelta(0)


def test_timestamp_json_precision_matches_protobuf():
    def text(micro):
        when = datetime.datetime(2024, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=micro)
        return json.loads(Everything(when=when).to_json())["when"]

    assert text(0) == "2024-01-01T00:00:00Z"
    assert text(120000) == "2024-01-01T00:00:00.120Z"
    assert text(123456) == "2024-01-01T00:00:00.123456Z"


def test_json_dict_numbers_come_back_as_ints_when_integral():
    obj = Everything(extra={"a": 1, "b": 1.5, "c": [2, {"d": 3.0}]})
    assert Everything.from_proto(obj.to_proto()).extra == {"a": 1, "b": 1.5, "c": [2, {"d": 3}]}


def test_oneof_member_choice():
    assert Everything(choice=3).which_oneof("choice") == "choice_int"
    assert Everything(choice="s").which_oneof("choice") == "choice_str"
    assert Everything(choice=Leaf("l")).which_oneof("choice") == "choice_leaf"
    assert Everything().which_oneof("choice") is None
    explicit = Everything(choice_str="3")
    assert explicit.choice == "3" and explicit.choice_str == "3" and explicit.choice_int is None
    assert explicit.to_proto().WhichOneof("choice") == "choice_str"
    assert Everything.from_json('{"choice_int": 4}').choice == 4
    assert Everything.from_json('{"choice": {"name": "n"}}').choice == Leaf("n")
    assert "choice_leaf" in Everything.fields and "choice" not in Everything.fields
    with pytest.raises(ValueError, match="no oneof"):
        Everything().which_oneof("text")


def test_oneof_member_is_remembered_through_proto():
    @dataobject(package=PKG)
    class Number(DataObjectBase):
        value: Union[float, int]

    as_float = Number(value_float=2)
    assert as_float.to_proto().WhichOneof("value") == "value_float"
    assert Number.from_proto(as_float.to_proto()).which_oneof("value") == "value_float"
    with pytest.raises(TypeError, match="either"):
        Number(value=1, value_int=2)


def test_oneof_written_under_the_field_name_when_the_class_asks():
    @dataobject(package=PKG)
    class Wrapped(DataObjectBase):
        value: Union[Leaf, int]
        other: Union[int, str]
        _caikit_json_oneofs_under_field = ("value",)

    obj = Wrapped(value=Leaf("x"), other=3)
    assert obj.to_json() == '{"value": {"name": "x", "weight": 3}, "other_int": 3}'
    assert obj.to_dict() == {"value": {"name": "x", "weight": 3}, "other_int": 3}
    assert obj.to_proto().WhichOneof("value") == "value_leaf"  # the wire is unchanged
    assert Wrapped.from_json(obj.to_json()) == obj
    assert Wrapped.from_json('{"value_int": 4}').to_json() == '{"value": 4}'
    assert Wrapped.fields == ("value_leaf", "value_int", "other_int", "other_str")
    with pytest.raises(TypeError, match="not a Union field"):

        @dataobject(package=PKG)
        class Wrong(DataObjectBase):
            value: int
            _caikit_json_oneofs_under_field = ("value",)


def test_enum_fields_accept_members_names_and_numbers():
    assert Everything(shade="DARK").to_proto().shade == 2
    assert Everything(shade=1).to_proto().shade == 1
    assert (
        Everything(shades=[2, "LIGHT"])
        .to_json()
        .endswith(
            '"shades": ["DARK", "LIGHT"], "by_name": null, "leaf_by_id": null, "maybe_text": null, '
            '"maybe_leaf": null, "when": null, "extra": null}'
        )
    )
    assert Everything.from_json('{"shade": 2}').shade is Shade.DARK


def test_fill_proto_fills_an_existing_message():
    proto = Leaf.get_proto_class()()
    assert Leaf("z", 9).fill_proto(proto) is proto
    assert (proto.name, proto.weight) == ("z", 9)


def test_nested_messages_given_as_dicts_are_converted():
    obj = Everything(leaf={"name": "d"}, leaves=[{"name": "e", "weight": 1}])
    back = Everything.from_proto(obj.to_proto())
    assert back.leaf == Leaf("d", 3) and back.leaves == [Leaf("e", 1)]


def test_from_proto_rejects_other_message_types():
    with pytest.raises(TypeError, match=r"expected a tests\.dataobject\.conversions\.Everything"):
        Everything.from_proto(Leaf("x").to_proto())


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, error, path",
    [
        ('{"text": 5}', TypeError, "Everything.text"),
        ('{"count": "five"}', ValueError, "Everything.count"),
        ('{"count": true}', TypeError, "Everything.count"),
        ('{"flag": "yes"}', TypeError, "Everything.flag"),
        ('{"blob": "not base64!"}', ValueError, "Everything.blob"),
        ('{"shade": "PURPLE"}', ValueError, "Everything.shade"),
        ('{"shade": 9}', ValueError, "Everything.shade"),
        ('{"leaf": {"name": 1}}', TypeError, "Everything.leaf.name"),
        ('{"leaves": [{"name": "a"}, {"weight": "x"}]}', ValueError, "Everything.leaves[1].weight"),
        ('{"leaves": {"name": "a"}}', TypeError, "Everything.leaves"),
        ('{"by_name": {"a": "b"}}', ValueError, "Everything.by_name['a']"),
        ('{"leaf_by_id": {"x": {}}}', ValueError, "Everything.leaf_by_id"),
        ('{"when": "yesterday"}', ValueError, "Everything.when"),
        ('{"extra": [1]}', TypeError, "Everything.extra"),
        ('{"choice_int": "x"}', ValueError, "Everything.choice_int"),
        ('{"choice_int": 1, "choice_str": "a"}', ValueError, "Everything.choice"),
        ('{"unknown": 1}', ValueError, "unknown"),
        ('{"leaf": {"bogus": 1}}', ValueError, "Everything.leaf"),
        ("[1, 2]", TypeError, "Everything"),
        ('{"text": ', ValueError, "invalid JSON"),
        # null elements: protobuf cannot carry them, and model code would trip on them
        ('{"leaves": [{"name": "a"}, null]}', TypeError, "Everything.leaves[1]: null"),
        ('{"numbers": [1, null]}', TypeError, "Everything.numbers[1]: null"),
        ('{"shades": [null]}', TypeError, "Everything.shades[0]: null"),
        ('{"leaf_by_id": {"7": null}}', TypeError, "Everything.leaf_by_id['7']: null"),
        ('{"by_name": {"a": null}}', TypeError, "Everything.by_name['a']: null"),
        # integers outside the range of the field's proto type
        ('{"count": 9223372036854775808}', ValueError, "Everything.count: 9223372036854775808 is"),
        ('{"count": -9223372036854775809}', ValueError, "Everything.count"),
        ('{"count": "1e30"}', ValueError, "Everything.count"),
        ('{"count": 1e30}', ValueError, "Everything.count"),
        ('{"numbers": [1, 18446744073709551616]}', ValueError, "Everything.numbers[1]"),
        ('{"leaf_by_id": {"99999999999999999999": {}}}', ValueError, "Everything.leaf_by_id"),
        ('{"leaves": [{"weight": 9223372036854775808}]}', ValueError, "Everything.leaves[0].weight"),
        ('{"choice_int": 9223372036854775808}', ValueError, "Everything.choice_int"),
        ('{"choice": 9223372036854775808}', ValueError, "Everything.choice"),
    ],
)
def test_bad_json_names_the_field(text, error, path):
    with pytest.raises(error) as info:
        Everything.from_json(text)
    assert path in str(info.value)


def test_null_elements_are_refused_by_from_dict_too():
    with pytest.raises(TypeError, match=r"Everything\.leaves\[0\]: null") as info:
        Everything.from_dict({"leaves": [None]})
    assert info.value.segments == ("Everything", "leaves", 0)
    with pytest.raises(ValueError) as info:
        Everything.from_dict({"leaf_by_id": {"7": {"weight": 2**64}}})
    assert info.value.path == "Everything.leaf_by_id['7'].weight"
    assert info.value.segments == ("Everything", "leaf_by_id", "7", "weight")
    with pytest.raises(TypeError, match=r"Everything\.by_name"):
        Everything.from_dict({"by_name": {None: 1}})
    # a null single field is unset, and an empty container is fine
    assert Everything.from_dict({"leaf": None, "leaves": [], "maybe_text": None}).leaf is None


@pytest.mark.parametrize(
    "annotation, good, bad",
    [
        ("int", [-(2**63), 2**63 - 1], [-(2**63) - 1, 2**63]),
        ("UInt64", [0, 2**64 - 1], [-1, 2**64]),
        ("UInt32", [0, 2**32 - 1], [-1, 2**32]),
        ("Int32", [-(2**31), 2**31 - 1], [-(2**31) - 1, 2**31]),
    ],
)
def test_integers_are_checked_against_their_proto_range(annotation, good, bad):
    from caikit.core.data_model import Int32, UInt32, UInt64

    kind = {"int": int, "UInt64": UInt64, "UInt32": UInt32, "Int32": Int32}[annotation]
    cls = dataobject(package=f"{PKG}.ranges")(
        type(
            f"Range{annotation}",
            (DataObjectBase,),
            {"__annotations__": {"one": kind, "many": List[kind], "by_key": Dict[kind, kind]}},
        )
    )
    for value in good:
        obj = cls.from_dict({"one": value, "many": [value], "by_key": {str(value): value}})
        assert cls.from_proto(obj.to_proto()) == obj
    for value in bad:
        for data, path in (
            ({"one": value}, "one"),
            ({"many": [0, value]}, "many[1]"),
            ({"by_key": {"0": value}}, "by_key['0']"),
            ({"by_key": {str(value): 0}}, "by_key"),
        ):
            with pytest.raises(ValueError, match="outside the range") as info:
                cls.from_json(json.dumps(data))
            assert info.value.path == f"Range{annotation}.{path}"


def test_camel_case_json_names_are_accepted():
    assert Everything.from_json('{"maybeText": "x"}').maybe_text == "x"
    with pytest.raises(ValueError, match="given twice"):
        Everything.from_json('{"maybeText": "x", "maybe_text": "y"}')


@pytest.mark.parametrize(
    "obj, error, path",
    [
        (Everything(text=5), TypeError, "Everything.text"),
        (Everything(count="5"), TypeError, "Everything.count"),
        (Everything(count=2**70), ValueError, "Everything.count"),
        (Everything(shade=7), ValueError, "Everything.shade"),
        (Everything(leaves=[Leaf("a"), Leaf(5)]), TypeError, "Everything.leaves[1].name"),
        (Everything(leaves=[Leaf("a"), "b"]), TypeError, "Everything.leaves[1]"),
        (Everything(numbers="123"), TypeError, "Everything.numbers"),
        (Everything(by_name={"a": "b"}), TypeError, "Everything.by_name"),
        (Everything(leaf=3), TypeError, "Everything.leaf"),
        (Everything(choice=[1]), TypeError, "Everything.choice"),
        (Everything(when="2020"), ValueError, "Everything.when"),
        (Everything(extra=[1]), TypeError, "Everything.extra"),
    ],
)
def test_bad_values_name_the_field_in_to_proto(obj, error, path):
    with pytest.raises(error) as info:
        obj.to_proto()
    assert path in str(info.value)


@pytest.mark.parametrize(
    "obj, path",
    [
        (Everything(blob="text"), "Everything.blob"),
        (Everything(leaves=[Leaf(name=3)]), "Everything.leaves[0].name"),
        (Everything(shade="PURPLE"), "Everything.shade"),
        (Everything(when=5), "Everything.when"),
    ],
)
def test_bad_values_name_the_field_in_to_json(obj, path):
    with pytest.raises((TypeError, ValueError)) as info:
        obj.to_json()
    assert path in str(info.value)


def test_truncated_and_corrupt_protobuf_bytes_raise_value_error():
    data = full().to_binary_buffer()
    for cut in (1, 5, len(data) // 2, len(data) - 1):
        with pytest.raises(ValueError, match="Everything"):
            Everything.from_binary_buffer(data[:cut])
    with pytest.raises(TypeError):
        Everything.from_binary_buffer("text")


def test_unknown_enum_number_from_the_wire_names_the_field():
    proto = Everything.get_proto_class()()
    proto.leaves.add(name="a")
    proto.shades.append(5)
    with pytest.raises(ValueError, match=r"Everything.shades\[0\]: 5 is not a valid Shade"):
        Everything.from_proto(proto)


def test_timestamp_out_of_range_names_the_field():
    proto = Everything.get_proto_class()()
    proto.when.seconds = 253402300800 + 86400 * 400  # after year 9999
    with pytest.raises(ValueError, match=r"Everything\.when"):
        Everything.from_binary_buffer(proto.SerializeToString())


def test_placeholder_of_an_enum_without_zero_member_means_unset():
    assert Everything(shade="PLACEHOLDER_UNSET").to_proto().shade == 0
    assert Everything(shade=0).to_json_dict()["shade"] is None
    assert Everything.from_json('{"shade": 0}').shade is None
