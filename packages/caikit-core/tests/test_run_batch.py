"""ModuleBase.run_batch: one unary call per item by default, overridable, strict arguments."""
import uuid
from typing import List, Optional

import pytest
from caikit.core import DataObjectBase, ModuleBase, TaskBase, dataobject, module, task


@dataobject(package="caikit_core_tests.run_batch")
class Echoed(DataObjectBase):
    text: str


@task(unary_parameters={"text": str}, unary_output_type=Echoed)
class EchoTask(TaskBase):
    pass


@task(unary_parameters={"text": str}, unary_output_type=Echoed)
class ShoutTask(TaskBase):
    pass


def _id() -> str:
    return f"test-run-batch-{uuid.uuid4()}"


@module(_id(), "Echo", "0.0.1", task=EchoTask)
class Echo(ModuleBase):
    def __init__(self) -> None:
        self.calls: List[tuple] = []

    def run(self, text: str, suffix: Optional[str] = None) -> Echoed:
        self.calls.append((text, suffix))
        if text == "bad":
            raise ValueError("bad text")
        return Echoed(text + (suffix or ""))


@module(_id(), "Shouter", "0.0.1", tasks=[ShoutTask, EchoTask])
class Shouter(ModuleBase):
    """Its first task binds another method than ``run``."""

    @ShoutTask.taskmethod()
    def shout(self, text: str) -> Echoed:
        return Echoed(text.upper())

    @EchoTask.taskmethod()
    def run(self, text: str) -> Echoed:
        return Echoed(text)


def test_runs_the_unary_method_once_per_item_in_order():
    model = Echo()
    results = model.run_batch(text=["a", "b", "c"], suffix=["!", None, "?"])
    assert [r.text for r in results] == ["a!", "b", "c?"]
    assert model.calls == [("a", "!"), ("b", None), ("c", "?")]


def test_positional_and_keyword_lists_combine():
    model = Echo()
    assert [r.text for r in model.run_batch(["x", "y"], suffix=["1", "2"])] == ["x1", "y2"]


def test_tuples_are_lists_too():
    assert [r.text for r in Echo().run_batch(text=("p", "q"))] == ["p", "q"]


def test_an_empty_batch_is_an_empty_list():
    model = Echo()
    assert model.run_batch(text=[]) == []
    assert model.run_batch() == []
    assert model.calls == []


def test_lists_of_different_lengths_are_a_value_error_naming_them():
    model = Echo()
    with pytest.raises(ValueError, match=r"'text': 2, 'suffix': 1"):
        model.run_batch(text=["a", "b"], suffix=["!"])
    assert model.calls == []


def test_an_argument_that_is_not_a_list_is_a_type_error():
    with pytest.raises(TypeError, match="'text' is a str"):
        Echo().run_batch(text="abc")


def test_the_first_error_of_an_item_propagates():
    model = Echo()
    with pytest.raises(ValueError, match="bad text"):
        model.run_batch(text=["ok", "bad", "never"])
    assert [c[0] for c in model.calls] == ["ok", "bad"]


def test_calls_the_class_method_not_an_instance_attribute():
    # the runtime's batcher shadows the unary method on the instance; run_batch must not
    # call back into it
    model = Echo()
    model.run = lambda **kwargs: pytest.fail("re-entered the instance attribute")  # type: ignore[method-assign]
    assert [r.text for r in model.run_batch(text=["a"])] == ["a"]


def test_uses_the_first_tasks_unary_method():
    assert Shouter.unary_method_name() == "shout"
    assert [r.text for r in Shouter().run_batch(text=["hi", "yo"])] == ["HI", "YO"]
    assert Echo.unary_method_name() == "run"


def test_modules_override_it_with_a_vectorised_version():
    @module(_id(), "Vectorised", "0.0.1", task=EchoTask)
    class Vectorised(ModuleBase):
        batches: List[int] = []

        def run(self, text: str) -> Echoed:
            return self.run_batch(text=[text])[0]

        def run_batch(self, text: List[str]) -> List[Echoed]:  # type: ignore[override]
            self.batches.append(len(text))
            return [Echoed(t[::-1]) for t in text]

    model = Vectorised()
    assert [r.text for r in model.run_batch(text=["ab", "cd"])] == ["ba", "dc"]
    assert model.run("xy").text == "yx"
    assert Vectorised.batches == [2, 1]
