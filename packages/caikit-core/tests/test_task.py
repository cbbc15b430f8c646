"""@task: declaring flavours, legacy keywords, bad definitions, taskmethod bindings."""
from typing import Iterable, List

import caikit.core
import pytest
from caikit.core import DataObjectBase, TaskBase, dataobject, task
from caikit.core.registries import task_registry
from caikit.core.task import TaskDefinitionError, TaskMethodPtr


@dataobject(package="caikit_core_tests.task")
class Answer(DataObjectBase):
    text: str


@task(
    unary_parameters={"question": str},
    unary_output_type=Answer,
    streaming_parameters={"questions": Iterable[str]},
    streaming_output_type=Iterable[Answer],
    metadata={"domain": "qa"},
)
class AnswerTask(TaskBase):
    """Answer questions."""


def test_declared_signature_is_readable():
    assert AnswerTask.get_required_parameters(False) == {"question": str}
    assert AnswerTask.get_required_parameters(input_streaming=True) == {"questions": Iterable[str]}
    assert AnswerTask.get_output_type(False) is Answer
    assert AnswerTask.get_output_type(output_streaming=True) == Iterable[Answer]
    assert AnswerTask.flavours() == [(False, False), (False, True), (True, False), (True, True)]
    assert AnswerTask.is_output_streaming_task() and AnswerTask.is_input_streaming_task()
    assert AnswerTask.get_metadata() == {"domain": "qa"}
    assert AnswerTask.get_visibility() is True
    assert task_registry()[f"{__name__}.AnswerTask"] is AnswerTask


def test_returned_parameters_are_copies():
    AnswerTask.get_required_parameters(False)["injected"] = int
    assert "injected" not in AnswerTask.get_required_parameters(False)


def test_unary_only_task_has_no_streaming_flavours():
    @task(unary_parameters={"question": str}, unary_output_type=Answer, visible=False)
    class UnaryOnly(TaskBase):
        pass

    assert UnaryOnly.flavours() == [(False, False)]
    assert not UnaryOnly.is_output_streaming_task()
    assert UnaryOnly.get_visibility() is False
    with pytest.raises(ValueError, match="declares no streaming output"):
        UnaryOnly.get_output_type(output_streaming=True)
    with pytest.raises(ValueError, match="declares no streaming inputs"):
        UnaryOnly.get_required_parameters(input_streaming=True)


def test_legacy_keywords():
    @task(required_parameters={"q": str}, output_type=Answer)
    class Legacy(TaskBase):
        pass

    @task(required_parameters={"q": str}, output_type=Iterable[Answer])
    class LegacyStreaming(TaskBase):
        pass

    assert Legacy.get_required_parameters(False) == {"q": str}
    assert Legacy.get_output_type(False) is Answer
    assert LegacyStreaming.flavours() == [(False, True)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unary_output_type": Answer}, "unary_parameters and/or streaming_parameters"),
        ({"unary_parameters": {"q": str}}, "unary_output_type and/or streaming_output_type"),
        ({"unary_parameters": {"q": str}, "unary_output_type": str}, "must be a data object class"),
        ({"unary_parameters": {"q": str}, "streaming_output_type": Answer}, "must be Iterable"),
        ({"unary_parameters": {"not valid": str}, "unary_output_type": Answer}, "invalid parameter name 'not valid'"),
        ({"unary_parameters": {"q": "str"}, "unary_output_type": Answer}, "must be a type, got 'str'"),
        ({"unary_parameters": [("q", str)], "unary_output_type": Answer}, "must be a dict"),
    ],
)
def test_bad_definitions_are_rejected(kwargs, message):
    with pytest.raises(TaskDefinitionError, match=message) as info:

        @task(**kwargs)
        class Broken(TaskBase):
            pass

    assert isinstance(info.value, ValueError)
    assert "Broken" in str(info.value)


def test_unknown_keyword_and_non_task_class():
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        task(unary_parameters={"q": str}, unary_output_type=Answer, colour="red")
    with pytest.raises(TypeError, match="subclasses of TaskBase"):

        @task(unary_parameters={"q": str}, unary_output_type=Answer)
        class NotATask:
            pass


def test_taskmethod_records_bindings_on_the_function():
    @AnswerTask.taskmethod(input_streaming=True, output_streaming=True, context_arg="context")
    def answer_all(self, questions, context=None):
        return questions

    (ptr,) = answer_all.__caikit_taskmethods__
    assert ptr == TaskMethodPtr(AnswerTask, "answer_all", True, True, "context")


def test_taskmethod_for_an_undeclared_flavour():
    @task(unary_parameters={"q": str}, unary_output_type=Answer)
    class UnaryOnly(TaskBase):
        pass

    with pytest.raises(ValueError, match="no flavour with input_streaming=True"):
        UnaryOnly.taskmethod(input_streaming=True)


def test_taskmethod_on_undecorated_task():
    class Plain(TaskBase):
        pass

    with pytest.raises(TypeError, match="decorate it with @task"):
        Plain.taskmethod()


def test_task_decorator_is_reachable_from_caikit_core_even_as_a_module():
    # `caikit.core.task` is both the submodule and the decorator users import from caikit.core.
    from caikit.core import task as imported

    @imported(unary_parameters={"q": str}, unary_output_type=Answer)
    class ViaCore(TaskBase):
        pass

    assert ViaCore.get_required_parameters() == {"q": str}
    assert caikit.core.TaskBase is TaskBase


def test_output_type_list_is_not_a_stream():
    with pytest.raises(TaskDefinitionError, match="must be a data object class"):

        @task(unary_parameters={"q": str}, unary_output_type=List[Answer])
        class ListOut(TaskBase):
            pass
