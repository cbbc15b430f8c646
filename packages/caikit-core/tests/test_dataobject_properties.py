"""Property tests: randomly shaped, randomly filled, nested dataobjects survive every
conversion (proto, binary, JSON, dict, pickle, deep copy) unchanged."""

import copy
import datetime
import itertools
import json
import pickle
from enum import Enum
from typing import Dict, List, Optional, Union

from caikit.core import dataobject
from caikit.core.data_model import JsonDict, make_dataobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PKG = "tests.dataobject.properties"
UTC = datetime.timezone.utc
_COUNTER = itertools.count()


@dataobject(package=PKG)
class Mood(Enum):
    HAPPY = 1
    SAD = 2


@dataobject(package=PKG)
class Grade(Enum):
    ZERO = 0
    ONE = 1


# -- value strategies per type ----------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
ints = st.integers(-(2**63), 2**63 - 1)
floats = st.floats(allow_nan=False, width=64)
datetimes = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)
).map(lambda d: d.replace(tzinfo=UTC))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    texts,
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
json_dicts = st.dictionaries(texts, json_values, max_size=3)

SCALARS = {
    str: texts,
    int: ints,
    float: floats,
    bool: st.booleans(),
    bytes: st.binary(max_size=16),
    Mood: st.sampled_from(list(Mood)),
    Grade: st.sampled_from(list(Grade)),
    datetime.datetime: datetimes,
    JsonDict: json_dicts,
}
MAP_KEYS = {str: texts, int: ints, bool: st.booleans()}


def _plain_types():
    return st.sampled_from(list(SCALARS))


@st.composite
def field_types(draw, children):
    """A (type annotation, value strategy) pair; ``children`` are classes to nest."""
    kinds = ["scalar", "optional", "list", "map", "union"] + (
        ["message", "messages"] if children else []
    )
    kind = draw(st.sampled_from(kinds))
    if kind in ("message", "messages"):
        child = draw(st.sampled_from(children))
        strategy = child.strategy
        if kind == "message":
            return Optional[child], st.one_of(st.none(), strategy)
        return List[child], st.lists(strategy, max_size=3)
    tp = draw(_plain_types())
    values = SCALARS[tp]
    if kind == "scalar":
        if tp in (datetime.datetime, JsonDict):  # messages on the wire: None survives
            return tp, st.one_of(st.none(), values)
        return tp, values
    if kind == "optional":
        return Optional[tp], st.one_of(st.none(), values)
    if kind == "list":
        return List[tp], st.lists(values, max_size=3)
    if kind == "map":
        key = draw(st.sampled_from(list(MAP_KEYS)))
        if tp in (datetime.datetime, JsonDict):
            tp, values = str, texts
        return Dict[key, tp], st.dictionaries(MAP_KEYS[key], values, max_size=3)
    # a union of distinct, distinguishable kinds
    pair = draw(
        st.sampled_from([(int, str), (str, bytes), (bool, float), (Mood, int), (float, str)])
    )
    return Union[pair], st.one_of(st.none(), *[SCALARS[t] for t in pair])


@st.composite
def dataobject_classes(draw, depth=2):
    """Define a new dataobject class with random fields (possibly nesting other new ones)."""
    children = []
    if depth > 0:
        children = draw(st.lists(dataobject_classes(depth=depth - 1), max_size=2))
    count = draw(st.integers(1, 6))
    annotations = {}
    strategies = {}
    for idx in range(count):
        annotation, strategy = draw(field_types(children))
        annotations[f"f{idx}"] = annotation
        strategies[f"f{idx}"] = strategy
    cls = make_dataobject(f"Random{next(_COUNTER)}", annotations, package=PKG)
    cls.strategy = st.builds(cls, **strategies)
    return cls


@st.composite
def instances(draw):
    cls = draw(dataobject_classes())
    return draw(cls.strategy)


SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("CAIKIT_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(instances())
def test_proto_round_trip(obj):
    assert type(obj).from_proto(obj.to_proto()) == obj


@SETTINGS
@given(instances())
def test_binary_round_trip(obj):
    assert type(obj).from_binary_buffer(obj.to_binary_buffer()) == obj


@SETTINGS
@given(instances())
def test_json_round_trip_and_text_writer_agrees_with_json_dumps(obj):
    text = obj.to_json()
    assert text == json.dumps(obj.to_json_dict())
    assert type(obj).from_json(text) == obj


@SETTINGS
@given(instances())
def test_dict_round_trip(obj):
    assert type(obj).from_dict(obj.to_dict()) == obj


@SETTINGS
@given(instances())
def test_json_and_proto_agree(obj):
    cls = type(obj)
    assert cls.from_json(obj.to_json()).to_binary_buffer() == obj.to_binary_buffer()


@SETTINGS
@given(instances())
def test_pickle_and_deepcopy_round_trip(obj):
    # the classes are made by make_dataobject: pickled by reference to
    # caikit.core.data_model.dynamic, which resolves them by name
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        assert pickle.loads(pickle.dumps(obj, protocol)) == obj
    assert copy.deepcopy(obj) == obj
