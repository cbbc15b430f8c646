"""@module: identity, registration, and inference methods checked against tasks."""
import uuid
from typing import Iterable, List, Optional

import pytest
from caikit.core import DataObjectBase, ModuleBase, TaskBase, dataobject, module, task
from caikit.core.data_model import DataStream
from caikit.core.registries import (
    DuplicateModuleIdError,
    module_backend_registry,
    module_registry,
)
from caikit.core.signature_parsing import CaikitMethodSignature
from caikit.core.task import TaskSignatureError


def new_id() -> str:
    return f"test-module-{uuid.uuid4()}"


@dataobject(package="caikit_core_tests.module")
class Words(DataObjectBase):
    words: List[str]


@dataobject(package="caikit_core_tests.module")
class Chunk(DataObjectBase):
    text: str


@task(
    unary_parameters={"text": str},
    unary_output_type=Words,
    streaming_parameters={"chunks": Iterable[Chunk]},
    streaming_output_type=Iterable[str],
)
class SplitTask(TaskBase):
    pass


@task(unary_parameters={"text": str}, unary_output_type=Chunk)
class EchoTask(TaskBase):
    pass


SPLITTER_ID = new_id()


@module(SPLITTER_ID, "Splitter", "1.2.3", task=SplitTask)
class Splitter(ModuleBase):
    def run(self, text: str, limit: Optional[int] = None) -> Words:
        return Words(text.split()[:limit])

    @SplitTask.taskmethod(output_streaming=True)
    def run_stream_out(self, text: str) -> DataStream[str]:
        return DataStream.from_iterable(text.split())

    @SplitTask.taskmethod(input_streaming=True, output_streaming=True, context_arg="context")
    def run_bidi(self, chunks: DataStream[Chunk], context=None) -> Iterable[str]:
        for chunk in chunks:
            yield from chunk.text.split()

    @SplitTask.taskmethod()
    def run_unary_bound(self, text: str) -> Words:  # replaces the implicit `run` binding
        return self.run(text)

    @classmethod
    def train(cls, corpus: DataStream[str], lowercase: bool = True) -> "Splitter":
        return cls()


def test_identity_attributes():
    assert Splitter.MODULE_ID == SPLITTER_ID
    assert Splitter.MODULE_NAME == "Splitter"
    assert Splitter.MODULE_VERSION == "1.2.3"
    assert Splitter.MODULE_CLASS == f"{__name__}.Splitter"
    assert Splitter.BACKEND_TYPE == "LOCAL"
    assert Splitter.tasks == [SplitTask]
    assert Splitter().tasks == [SplitTask]


def test_registered_by_id_and_backend():
    assert module_registry()[SPLITTER_ID] is Splitter
    assert module_backend_registry()[SPLITTER_ID]["LOCAL"].module_class is Splitter


def test_inference_signatures_per_flavour():
    flavours = [(i, o, sig.method_name) for i, o, sig in Splitter._TASK_INFERENCE_SIGNATURES[SplitTask]]
    assert flavours == [(False, False, "run_unary_bound"), (False, True, "run_stream_out"), (True, True, "run_bidi")]
    bidi = Splitter.get_inference_signature(input_streaming=True, output_streaming=True)
    assert isinstance(bidi, CaikitMethodSignature)
    assert bidi.parameters == {"chunks": DataStream[Chunk]} and bidi.context_arg == "context"
    assert Splitter.get_inference_signature(True, False) is None
    assert Splitter.get_inference_signatures(SplitTask) == Splitter._TASK_INFERENCE_SIGNATURES[SplitTask]
    assert Splitter.TRAIN_SIGNATURE.parameters == {"corpus": DataStream[str], "lowercase": bool}
    assert Splitter.RUN_SIGNATURE.parameters == {"text": str, "limit": Optional[int]}
    with pytest.raises(ValueError, match="does not implement task 'EchoTask'"):
        Splitter.get_inference_signature(task=EchoTask)


def test_run_is_the_default_unary_method():
    @module(new_id(), "Echo", "0.0.1", task=EchoTask)
    class Echo(ModuleBase):
        def run(self, text: str, loud: bool = False) -> Chunk:
            return Chunk(text.upper() if loud else text)

    sig = Echo.get_inference_signature()
    assert sig.method_name == "run" and sig.parameters == {"text": str, "loud": bool}
    assert Echo().run("hi", loud=True).text == "HI"


def test_keyword_form_and_multiple_tasks():
    module_id = new_id()

    @module(id=module_id, name="Both", version="0.1.0", tasks=[EchoTask, SplitTask])
    class Both(ModuleBase):
        def run(self, text: str) -> Chunk:
            return Chunk(text)

        @SplitTask.taskmethod()
        def split(self, text: str) -> Words:
            return Words(text.split())

    assert Both.tasks == [EchoTask, SplitTask]
    assert Both.get_inference_signature().method_name == "run"
    assert Both.get_inference_signature(task=SplitTask).method_name == "split"
    assert module_registry()[module_id] is Both


def test_module_without_tasks():
    @module(new_id(), "Plain", "0.0.1")
    class Plain(ModuleBase):
        def run(self, x: int) -> int:
            return x

    assert Plain.tasks == [] and Plain.get_inference_signature() is None
    assert Plain.get_inference_signatures() == []


def test_duplicate_id_is_an_error_but_redefining_the_same_class_is_not():
    module_id = new_id()

    def define():
        @module(module_id, "Same", "0.0.1")
        class Same(ModuleBase):
            pass

        return Same

    first = define()
    second = define()  # same module + qualname: a re-import, e.g. __main__ imported by name
    assert module_registry()[module_id] is second and first is not second

    with pytest.raises(DuplicateModuleIdError) as info:

        @module(module_id, "Other", "0.0.1")
        class Other(ModuleBase):
            pass

    assert isinstance(info.value, ValueError)
    assert repr(module_id) in str(info.value) and "Same" in str(info.value) and "Other" in str(info.value)


def test_wrong_parameter_type_names_module_method_parameter_and_types():
    with pytest.raises(TaskSignatureError) as info:

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class BadType(ModuleBase):
            def run(self, text: int) -> Chunk:
                return Chunk(str(text))

    err = info.value
    assert isinstance(err, TypeError)
    assert (err.module_class.__name__, err.method_name, err.parameter, err.expected, err.got) == (
        "BadType", "run", "text", str, int,
    )
    assert "BadType.run" in str(err) and "'text' is annotated int but the task requires str" in str(err)


def test_missing_parameter_and_wrong_return():
    with pytest.raises(TaskSignatureError, match="parameter 'text' \\(str\\) is missing"):

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class Missing(ModuleBase):
            def run(self, txt: str) -> Chunk:
                return Chunk(txt)

    with pytest.raises(TaskSignatureError, match="returns Words but the task requires Chunk"):

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class WrongReturn(ModuleBase):
            def run(self, text: str) -> Words:
                return Words([text])

    with pytest.raises(TaskSignatureError, match="returns DataStream\\[int\\] but the task requires Iterable\\[str\\]"):

        @module(new_id(), "Bad", "0.0.1", task=SplitTask)
        class WrongStream(ModuleBase):
            @SplitTask.taskmethod(output_streaming=True)
            def stream(self, text: str) -> DataStream[int]:
                return DataStream.from_iterable([1])


def test_no_inference_method_duplicate_flavour_and_bad_context_arg():
    with pytest.raises(TaskSignatureError, match="implements no inference method"):

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class NoRun(ModuleBase):
            pass

    with pytest.raises(TaskSignatureError, match="binds both 'a' and 'b' to the same flavour"):

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class Twice(ModuleBase):
            @EchoTask.taskmethod()
            def a(self, text: str) -> Chunk: ...

            @EchoTask.taskmethod()
            def b(self, text: str) -> Chunk: ...

    with pytest.raises(ValueError, match="context_arg 'ctx' is not a parameter"):

        @module(new_id(), "Bad", "0.0.1", task=EchoTask)
        class NoCtx(ModuleBase):
            @EchoTask.taskmethod(context_arg="ctx")
            def run(self, text: str) -> Chunk: ...


def test_failed_validation_registers_nothing():
    module_id = new_id()
    with pytest.raises(TaskSignatureError):

        @module(module_id, "Bad", "0.0.1", task=EchoTask)
        class Bad(ModuleBase):
            def run(self, text: int) -> Chunk: ...

    assert module_id not in module_registry()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((None, "n", "1"), {}, "non-empty string id"),
        (("x", "", "1"), {}, "non-empty string name"),
        (("x", "n", "1"), {"task": EchoTask, "tasks": [EchoTask]}, "not both"),
        (("x", "n", "1"), {"task": str}, "@task-decorated TaskBase subclasses"),
    ],
)
def test_bad_decorator_arguments(args, kwargs, message):
    with pytest.raises(TypeError, match=message):

        @module(*args, **kwargs)
        class Whatever(ModuleBase):
            def run(self, text: str) -> Chunk: ...


def test_only_module_classes_can_be_decorated():
    with pytest.raises(TypeError, match="subclasses of ModuleBase"):

        @module(new_id(), "n", "1")
        class NotAModule:
            pass


def test_backend_implementation_of_a_base_module():
    @module(backend_type="REMOTE_TEST", base_module=Splitter)
    class RemoteSplitter(Splitter):
        pass

    assert RemoteSplitter.MODULE_ID == SPLITTER_ID and RemoteSplitter.tasks == [SplitTask]
    assert module_registry()[SPLITTER_ID] is Splitter  # the LOCAL class keeps the id
    assert module_backend_registry()[SPLITTER_ID]["REMOTE_TEST"].module_class is RemoteSplitter
    with pytest.raises(LookupError, match="not a registered module id"):
        module(base_module="no-such-module-id")(RemoteSplitter)


def test_base_class_defaults_raise_not_implemented():
    @module(new_id(), "Bare", "0.0.1")
    class Bare(ModuleBase):
        pass

    with pytest.raises(NotImplementedError, match="does not implement run"):
        Bare().run()
    with pytest.raises(NotImplementedError, match="does not implement train"):
        Bare.train()
    with pytest.raises(NotImplementedError, match="does not implement save"):
        Bare().save("x")
    with pytest.raises(NotImplementedError, match="does not implement load"):
        Bare.load("x")
    assert "created" in Bare().metadata


def test_a_script_imported_by_name_and_run_as_main_registers_once(tmp_path, monkeypatch):
    import runpy
    import sys

    module_id = new_id()
    source = (
        "from caikit.core import ModuleBase, module\n\n"
        f"@module({module_id!r}, 'Scripted', '0.0.1')\n"
        "class Scripted(ModuleBase):\n"
        "    pass\n"
    )
    script = tmp_path / "scripted_lib_for_main_test.py"
    script.write_text(source)
    other = tmp_path / "other_dir"
    other.mkdir()
    (other / "imposter_lib_for_main_test.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(other))
    try:
        by_name = __import__("scripted_lib_for_main_test").Scripted
        as_main = runpy.run_path(str(script), run_name="__main__")["Scripted"]
        assert as_main is not by_name and module_registry()[module_id] is as_main
        with pytest.raises(DuplicateModuleIdError):
            __import__("imposter_lib_for_main_test")  # same qualname, different source file
    finally:
        sys.modules.pop("scripted_lib_for_main_test", None)
        sys.modules.pop("imposter_lib_for_main_test", None)
