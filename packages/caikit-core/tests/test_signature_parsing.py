"""CaikitMethodSignature and annotation compatibility (what the runtime builds messages from)."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

import pytest
from caikit.core import DataObjectBase, dataobject
from caikit.core.data_model import DataStream
from caikit.core.signature_parsing import (
    CaikitMethodSignature,
    fits,
    is_iterable_annotation,
    type_name,
)


@dataobject(package="caikit_core_tests.signature")
class Reply(DataObjectBase):
    text: str


class Subject:
    """A plain class: signatures work on any class, decorated or not."""

    def run(self, text: str, count: int = 2, *args, ctx=None, style: Optional[str] = None, **kwargs) -> Reply:
        return Reply(text)

    @classmethod
    def train(cls, data: DataStream[str], delimiters=(" ", ","), ratio=0.5, seed=None) -> Subject:
        return cls()

    @staticmethod
    def helper(a: int, b: Reply) -> List[Reply]:
        return []

    def documented(self, name, size, flag=False):
        """Do things.

        Args:
            name (str): the name
            size:  int
                the size, caikit style
            flag: whether to (free text that is not a type)

        Returns:
            nothing
        """

    def forward(self, other: NotDefinedAnywhere, text: str) -> Subject:  # noqa: F821
        return self


def test_parameters_in_signature_order_without_self_varargs_or_context():
    sig = CaikitMethodSignature(Subject, "run", context_arg="ctx")
    assert list(sig.parameters) == ["text", "count", "style"]
    assert sig.parameters == {"text": str, "count": int, "style": Optional[str]}
    assert sig.default_parameters == {"count": 2, "style": None}
    assert sig.required_parameters == ["text"]
    assert sig.return_type is Reply
    assert sig.context_arg == "ctx"
    assert sig.accepts_kwargs
    assert sig.method_name == "run" and sig.module is Subject
    assert sig.qualified_name == f"{__name__}.Subject.run"
    assert "text: str" in repr(sig)


def test_classmethod_forward_reference_to_the_class_and_types_from_defaults():
    sig = CaikitMethodSignature(Subject, "train")
    assert sig.parameters == {"data": DataStream[str], "delimiters": List[str], "ratio": float}
    assert sig.untyped_parameters == ["seed"]
    assert sig.default_parameters == {"delimiters": (" ", ","), "ratio": 0.5, "seed": None}
    assert sig.return_type is Subject


def test_staticmethod_keeps_its_first_parameter():
    sig = CaikitMethodSignature(Subject, "helper")
    assert sig.parameters == {"a": int, "b": Reply}
    assert sig.return_type == List[Reply]


def test_docstring_types_for_unannotated_parameters():
    sig = CaikitMethodSignature(Subject, "documented")
    assert sig.parameters == {"name": str, "size": int, "flag": bool}


def test_unresolvable_annotation_stays_a_string_and_the_rest_resolves():
    sig = CaikitMethodSignature(Subject, "forward")
    assert sig.parameters == {"other": "NotDefinedAnywhere", "text": str}
    assert sig.return_type is Subject


def test_errors():
    with pytest.raises(AttributeError, match="no method 'nope'"):
        CaikitMethodSignature(Subject, "nope")
    with pytest.raises(ValueError, match="context_arg 'context' is not a parameter"):
        CaikitMethodSignature(Subject, "run", context_arg="context")


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (str, str, True),
        (str, Optional[str], True),
        (str, Union[int, str], True),
        (int, float, True),
        (bool, int, True),
        (str, int, False),
        (int, str, False),
        (Optional[str], str, False),
        (Iterable[Reply], DataStream[Reply], True),
        (DataStream[str], Iterable[str], True),
        (List[str], Iterator[str], True),
        (Iterable[str], Iterable[int], False),
        (List[str], str, False),
        (Dict[str, int], Dict[str, int], True),
        (Dict[str, int], Dict[str, str], False),
        (Any, int, True),
        ("Reply", Reply, True),
    ],
)
def test_fits(value, target, expected):
    assert fits(value, target) is expected


def test_iterable_annotations_and_names():
    assert is_iterable_annotation(DataStream[str]) and is_iterable_annotation(List[int])
    assert not is_iterable_annotation(str) and not is_iterable_annotation(Dict[str, int])
    assert type_name(Iterable[Reply]) == "Iterable[Reply]"
    assert type_name(Optional[str]) == "Union[str, None]"
    assert type_name(DataStream[str]) == "DataStream[str]"
