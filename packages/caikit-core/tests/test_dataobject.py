"""@dataobject: decoration, construction, class attributes, registry, enums, make_dataobject."""

import dataclasses
import datetime
import pickle
import subprocess
import sys
from enum import Enum
from typing import Annotated, Dict, List, Optional, Union

import pytest
from caikit.core import DataBase, DataObjectBase, dataobject
from caikit.core.data_model import (
    DataObjectNotFoundError,
    FieldNumber,
    JobStatus,
    JsonDict,
    OneofField,
    TrainingStatus,
    UInt32,
    is_dataobject,
    make_dataobject,
)

PKG = "tests.dataobject.basics"


@dataobject(package=PKG)
class Color(Enum):
    RED = 1
    GREEN = 2


@dataobject(package=PKG)
class Person(DataObjectBase):
    name: str
    age: int
    nickname: Optional[str]
    score: float = 1.5


@dataobject
class Greeting(DataObjectBase):
    text: str


def _field(cls, name):
    return cls.get_proto_class().DESCRIPTOR.fields_by_name[name]


def test_bare_decorator_uses_caikit_data_model_package():
    assert Greeting.full_name == "caikit_data_model.Greeting"
    assert Greeting.get_proto_class().DESCRIPTOR.full_name == "caikit_data_model.Greeting"


def test_package_argument_sets_full_name():
    assert Person.full_name == f"{PKG}.Person"
    assert Person.get_proto_class().DESCRIPTOR.file.name == f"{PKG}.person.proto"


def test_is_a_dataclass_with_positional_and_keyword_construction():
    assert dataclasses.is_dataclass(Person)
    by_position = Person("ann", 30, "a", 2.0)
    by_keyword = Person(name="ann", age=30, nickname="a", score=2.0)
    assert by_position == by_keyword
    assert (by_position.name, by_position.age, by_position.nickname) == ("ann", 30, "a")


def test_missing_fields_default_to_none_and_explicit_defaults_are_kept():
    person = Person("bob")
    assert person.age is None
    assert person.nickname is None
    assert person.score == 1.5


def test_fields_and_numbers_follow_annotation_order():
    assert Person.fields == ("name", "age", "nickname", "score")
    numbers = [_field(Person, name).number for name in Person.fields]
    assert numbers == [1, 2, 3, 4]


def test_types_map_to_proto_types():
    desc = Person.get_proto_class().DESCRIPTOR
    types = {f.name: f.type for f in desc.fields}
    assert types == {"name": 9, "age": 3, "nickname": 9, "score": 1}


def test_optional_and_defaulted_fields_track_presence():
    desc = Person.get_proto_class().DESCRIPTOR
    oneofs = [o.name for o in desc.oneofs]
    assert oneofs == ["_nickname", "_score"]
    assert _field(Person, "name").containing_oneof is None


def test_equality_is_by_value():
    assert Person("a", 1) == Person("a", 1)
    assert Person("a", 1) != Person("a", 2)
    assert Person("a", 1) != Greeting("a")


def test_str_is_indented_json():
    assert str(Greeting("hi")) == '{\n  "text": "hi"\n}'


def test_supports_file_operations_defaults_to_false():
    assert Person.supports_file_operations is False


def test_registry_resolves_full_and_bare_names():
    assert DataBase.get_class_for_name(f"{PKG}.Person") is Person
    assert DataBase.get_class_for_name("caikit_data_model.Greeting") is Greeting
    assert DataBase.get_class_for_name(f"{PKG}.Color") is Color
    assert f"{PKG}.Person" in DataBase.get_registered_classes()
    assert Person in list(DataBase.iter_registered_classes())


def test_registry_unknown_name_is_lookup_and_value_error():
    with pytest.raises(DataObjectNotFoundError, match=r"nope\.Missing") as info:
        DataBase.get_class_for_name("nope.Missing")
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, ValueError)


def test_registry_ambiguous_bare_name_names_candidates():
    @dataobject(package="tests.dataobject.ambig1")
    class Twin(DataObjectBase):
        a: str

    @dataobject(package="tests.dataobject.ambig2")
    class Twin(DataObjectBase):  # noqa: F811
        a: str

    with pytest.raises(DataObjectNotFoundError, match=r"ambig1\.Twin"):
        DataBase.get_class_for_name("Twin")


def test_enum_dataobject_gets_proto_enum_with_placeholder():
    assert Color.full_name == f"{PKG}.Color"
    wrapper = Color.get_proto_class()
    assert wrapper.Name(0) == "PLACEHOLDER_UNSET"
    assert wrapper.Value("GREEN") == 2
    assert is_dataobject(Color) and is_dataobject(Person) and not is_dataobject(int)


def test_job_status_values_and_alias():
    from caikit.core.data_model import PredictionJobStatus, ProducerId

    assert TrainingStatus is JobStatus is PredictionJobStatus
    assert ProducerId.full_name == "caikit_data_model.common.ProducerId"
    assert [(m.name, m.value) for m in JobStatus] == [
        ("PLACEHOLDER_UNSET", 0),
        ("QUEUED", 1),
        ("RUNNING", 2),
        ("COMPLETED", 3),
        ("CANCELED", 4),
        ("ERRORED", 5),
    ]
    assert JobStatus.full_name == "caikit_data_model.common.JobStatus"
    assert [m for m in JobStatus if m.is_terminal] == [
        JobStatus.COMPLETED,
        JobStatus.CANCELED,
        JobStatus.ERRORED,
    ]


def test_make_dataobject_builds_registered_class_with_defaults():
    cls = make_dataobject(
        "MadeRequest",
        {"name": str, "repeat": Optional[int], "tags": List[str]},
        attrs={"repeat": 1},
        package="tests.dataobject.made",
    )
    assert cls.full_name == "tests.dataobject.made.MadeRequest"
    assert DataBase.get_class_for_name("tests.dataobject.made.MadeRequest") is cls
    obj = cls(name="x")
    assert obj.repeat == 1 and obj.tags is None
    assert cls.from_json(obj.to_json()) == cls(name="x", repeat=1, tags=[])
    assert _field(cls, "repeat").containing_oneof.name == "_repeat"


def test_instances_of_made_classes_unpickle_where_the_class_was_made(tmp_path):
    cls = make_dataobject("MadeToPickle", {"name": str, "n": int}, package="tests.dataobject.pickled")
    obj = cls(name="x", n=3)
    data = pickle.dumps(obj)
    assert pickle.loads(data) == obj
    # a process that never made the class gets an error naming it, not a wrong object
    script = tmp_path / "unpickle.py"
    script.write_text("import pickle, sys\npickle.loads(sys.stdin.buffer.read())\n")
    child = subprocess.run([sys.executable, str(script)], input=data, capture_output=True, timeout=60)
    assert child.returncode != 0
    assert b"Can't get attribute 'MadeToPickle' on <module 'caikit.core.data_model.dynamic'" in child.stderr


def test_field_number_and_oneof_field_annotations():
    @dataobject(package="tests.dataobject.annotated")
    class Pinned(DataObjectBase):
        a: str
        b: Annotated[int, FieldNumber(10)]
        c: str
        d: Union[Annotated[int, OneofField("d_number")], Annotated[str, FieldNumber(20)]]
        e: UInt32

    # as in caikit 0.29.1, a field is numbered by its position among the proto fields, and a
    # pinned field (or Union member) still uses up its position
    numbers = {f.name: f.number for f in Pinned.get_proto_class().DESCRIPTOR.fields}
    assert numbers == {"a": 1, "b": 10, "c": 3, "d_number": 4, "d_str": 20, "e": 6}
    assert _field(Pinned, "e").type == 13  # uint32


def test_duplicate_field_numbers_are_rejected():
    with pytest.raises(TypeError, match="already used"):

        @dataobject(package="tests.dataobject.dupe")
        class Dupe(DataObjectBase):
            a: str
            b: Annotated[int, FieldNumber(1)]


@pytest.mark.parametrize(
    "annotation",
    [List[List[int]], Dict[float, str], object, List[Optional[int]], Union[List[int], str]],
)
def test_unsupported_field_types_raise_type_error_naming_the_field(annotation):
    cls = type("Unsupported", (DataObjectBase,), {"__annotations__": {"bad": annotation}})
    with pytest.raises(TypeError, match=r"Unsupported\.bad"):
        dataobject(package="tests.dataobject.unsupported")(cls)


def test_undecorated_nested_class_is_rejected():
    class Plain(DataObjectBase):
        x: int

    with pytest.raises(TypeError, match="not decorated"):

        @dataobject(package="tests.dataobject.undecorated")
        class Holder(DataObjectBase):
            inner: Plain


def test_redefining_with_same_shape_is_allowed_and_different_shape_is_an_error():
    def define(field_type):
        cls = type("Redefined", (DataObjectBase,), {"__annotations__": {"v": field_type}})
        return dataobject(package="tests.dataobject.redefine")(cls)

    first = define(str)
    second = define(str)
    assert DataBase.get_class_for_name("tests.dataobject.redefine.Redefined") is second
    assert first.get_proto_class() is second.get_proto_class()
    with pytest.raises(TypeError, match="redefine"):
        define(int)


def test_self_referencing_message():
    @dataobject(package="tests.dataobject.tree")
    class Node(DataObjectBase):
        value: int
        children: List["Node"]

    tree = Node(1, [Node(2, []), Node(3, [Node(4, [])])])
    assert Node.from_proto(tree.to_proto()) == tree
    assert Node.from_json(tree.to_json()) == tree


def test_inheritance_extends_fields():
    @dataobject(package="tests.dataobject.inherit")
    class Base(DataObjectBase):
        a: str

    @dataobject(package="tests.dataobject.inherit")
    class Child(Base):
        b: int

    assert Child.fields == ("a", "b")
    assert Child("x", 2).to_json() == '{"a": "x", "b": 2}'


def test_plain_class_is_turned_into_a_dataobject():
    @dataobject(package="tests.dataobject.plain")
    class NotDerived:
        a: str

    assert issubclass(NotDerived, DataObjectBase)
    assert NotDerived("x").to_json() == '{"a": "x"}'


def test_classvar_annotations_are_not_fields():
    from typing import ClassVar

    @dataobject(package="tests.dataobject.classvar")
    class WithClassVar(DataObjectBase):
        kind: ClassVar[str] = "k"
        a: str

    assert WithClassVar.fields == ("a",)


def test_json_dict_and_datetime_fields_use_well_known_types():
    @dataobject(package="tests.dataobject.wkt")
    class Wkt(DataObjectBase):
        when: datetime.datetime
        extra: JsonDict

    assert _field(Wkt, "when").message_type.full_name == "google.protobuf.Timestamp"
    assert _field(Wkt, "extra").message_type.full_name == "google.protobuf.Struct"


def test_custom_init_is_respected_by_from_proto():
    @dataobject(package="tests.dataobject.custominit")
    class Custom(DataObjectBase):
        a: str
        b: int

        def __init__(self, a: str):
            self.a = a
            self.b = len(a)

    obj = Custom("abc")
    assert (obj.a, obj.b) == ("abc", 3)
    back = Custom.from_proto(obj.to_proto())
    assert (back.a, back.b) == ("abc", 3)


def test_introspection_helpers():
    @dataobject(package="tests.dataobject.introspect")
    class Holder(DataObjectBase):
        person: Person
        people: List[Person]
        either: Union[int, Person]
        label: str = "x"

    assert Holder.get_field_message_type("person") is Person
    assert Holder.get_field_message_type("people") is Person
    assert Holder.get_field_message_type("either_person") is Person
    assert Holder.get_field_message_type("label") is None
    with pytest.raises(ValueError, match="no field"):
        Holder.get_field_message_type("nope")
    assert Holder.get_field_defaults() == {"label": "x"}
    holder = Holder(person=Person("p"), either=3)
    assert holder.to_kwargs() == {"person": Person("p"), "people": None, "either": 3, "label": "x"}
    assert DataBase.get_class_for_proto(holder.to_proto()) is Holder
    with pytest.raises(NotImplementedError):
        holder.to_file(None)
