"""caikit.train / caikit.load end to end, with real threads and spawned subprocesses."""
import multiprocessing
import os
import sys
import textwrap
import threading
import time
import uuid

import caikit
import pytest
from caikit.config import temp_config
from caikit.core import MODEL_MANAGER
from caikit.core.data_model import DataStream, JobStatus
from caikit.core.model_management import TrainingCanceledError, UnknownTrainingError

# The module under training lives in an importable file so a spawned child can unpickle it.
LIBRARY_SOURCE = textwrap.dedent(
    '''
    import os
    import threading
    import time

    from caikit.core import ModuleBase, ModuleLoader, ModuleSaver, module
    from caikit.core.data_model import DataStream


    @module("{module_id}", "Counter", "1.0.0")
    class Counter(ModuleBase):
        """Counts words; trains slowly on request so tests can cancel it."""

        def __init__(self, counts):
            self.counts = dict(counts)

        def run(self, word: str) -> int:
            return self.counts.get(word, 0)

        @classmethod
        def train(cls, data: DataStream[str], fail: bool = False, block_marker: str = "",
                  started: threading.Event = None, count_configured_word: bool = False) -> "Counter":
            if fail:
                raise ValueError("cannot count an empty corpus")
            if block_marker:  # announce we are running, then never finish on our own
                with open(block_marker, "w") as handle:
                    handle.write(str(os.getpid()))
                if started is not None:
                    started.set()
                while True:
                    time.sleep(0.02)
            counts = {{}}
            for line in data:
                for word in line.split():
                    counts[word] = counts.get(word, 0) + 1
            if count_configured_word:  # what the training process sees of caikit's config
                from caikit.config import get_config

                word = str(get_config().counter_configured_word)
                counts[word] = counts.get(word, 0) + 1
            return cls(counts)

        def save(self, model_path):
            with ModuleSaver(self, model_path=model_path) as saver:
                saver.update_config({{"counts": self.counts}})

        @classmethod
        def load(cls, model_path):
            return cls(ModuleLoader(model_path).config.counts)
    '''
)

SUBPROCESS_TRAINER = {"model_management": {"trainers": {"sub": {"type": "LOCAL", "config": {"use_subprocess": True}}}}}


@pytest.fixture(scope="module")
def counter():
    """The Counter module class, imported from a throwaway library on sys.path."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="caikit-train-lib-") as root:
        name = f"caikit_train_lib_{uuid.uuid4().hex}"
        with open(os.path.join(root, f"{name}.py"), "w", encoding="utf-8") as handle:
            handle.write(LIBRARY_SOURCE.format(module_id=f"counter-{uuid.uuid4()}"))
        sys.path.insert(0, root)
        try:
            yield __import__(name).Counter
        finally:
            sys.path.remove(root)
            sys.modules.pop(name, None)


def corpus():
    return DataStream.from_iterable(["a b a", "c a"])


def training_threads():
    return [t for t in threading.enumerate() if t.name.startswith("caikit-training")]


def wait_for(predicate, what, limit=60.0):
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def test_train_save_load_run(counter, tmp_path):
    future = caikit.train(counter, corpus(), save_path=str(tmp_path / "model"), wait=True)
    info = future.get_info()
    assert info.status is JobStatus.COMPLETED and info.errors is None
    assert info.submission_timestamp <= info.completion_timestamp
    assert info.completion_timestamp.tzinfo is not None
    assert future.save_path == str(tmp_path / "model")
    assert future.load().run("a") == 3
    loaded = caikit.load(future.save_path)
    assert type(loaded) is counter and loaded.run("c") == 1
    assert MODEL_MANAGER.get_model_future(future.id) is future
    assert MODEL_MANAGER.get_trainer().get_trainer_name(future.id) == "default"


def test_train_by_module_id_without_saving(counter):
    future = caikit.train(counter.MODULE_ID, corpus())
    future.wait()
    assert future.status is JobStatus.COMPLETED and future.save_path is None
    assert future.result().run("b") == 1


def test_save_with_id_and_model_name(counter, tmp_path):
    future = caikit.train(
        counter, corpus(), save_path=str(tmp_path), save_with_id=True, model_name="words",
        external_training_id="job-42", wait=True,
    )
    assert future.id == "job-42"
    assert future.save_path == str(tmp_path / "job-42" / "words")
    assert (tmp_path / "job-42" / "words" / "config.yml").is_file()
    with pytest.raises(ValueError, match="'job-42' is already in use"):
        caikit.train(counter, corpus(), external_training_id="job-42")


def test_failing_training_is_errored_with_its_reason(counter, tmp_path):
    future = caikit.train(counter, corpus(), fail=True, save_path=str(tmp_path / "m"), wait=True)
    assert future.status is JobStatus.ERRORED
    assert future.reasons == ["cannot count an empty corpus"]
    assert isinstance(future.get_info().errors[0], ValueError)
    with pytest.raises(ValueError, match="cannot count an empty corpus"):
        future.load()
    assert not (tmp_path / "m").exists()


def test_cancel_a_long_training_in_a_thread(counter, tmp_path):
    started = threading.Event()
    marker = tmp_path / "started"
    future = caikit.train(
        counter, corpus(), block_marker=str(marker), started=started, save_path=str(tmp_path / "m")
    )
    assert started.wait(60), "the training never started"
    assert future.status is JobStatus.RUNNING
    future.cancel()
    assert future.status is JobStatus.CANCELED
    assert future.completion_timestamp is not None
    assert training_threads() == []
    assert not (tmp_path / "m").exists()
    with pytest.raises(TrainingCanceledError):
        future.load()
    future.cancel()  # idempotent
    assert MODEL_MANAGER.get_model_future(future.id).status is JobStatus.CANCELED


@pytest.mark.slow
def test_cancel_a_long_training_in_a_subprocess(counter, tmp_path):
    marker = tmp_path / "started"
    with temp_config(SUBPROCESS_TRAINER):
        future = caikit.train(counter, corpus(), block_marker=str(marker), save_path=str(tmp_path / "m"), trainer="sub")
        wait_for(lambda: marker.exists() and marker.read_text(), "the child to start training")
        child_pid = int(marker.read_text())
        assert child_pid != os.getpid()
        assert future.status is JobStatus.RUNNING
        future.cancel()
    assert future.status is JobStatus.CANCELED
    assert multiprocessing.active_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)
    assert training_threads() == []
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_train_in_a_subprocess(counter, tmp_path):
    with temp_config(SUBPROCESS_TRAINER):
        saved = caikit.train(counter, ["x y x"], save_path=str(tmp_path / "m"), trainer="sub", wait=True)
        in_memory = caikit.train(counter, ["y"], trainer="sub", wait=True)
        failed = caikit.train(counter, ["z"], fail=True, trainer="sub", wait=True)
        assert MODEL_MANAGER.get_model_future(saved.id) is saved
    assert saved.status is JobStatus.COMPLETED and saved.load().run("x") == 2
    assert (tmp_path / "m" / "config.yml").is_file()
    assert in_memory.load().run("y") == 1
    assert failed.status is JobStatus.ERRORED and failed.reasons == ["cannot count an empty corpus"]
    assert multiprocessing.active_children() == []


def test_a_subprocess_training_sees_the_parents_configure_calls(counter):
    with temp_config({**SUBPROCESS_TRAINER, "counter_configured_word": "configured"}):
        future = caikit.train(counter, ["a"], count_configured_word=True, trainer="sub", wait=True)
        assert future.status is JobStatus.COMPLETED, future.reasons
    model = future.load()
    assert model.run("configured") == 1 and model.run("None") == 0


def test_unpicklable_arguments_fail_the_subprocess_training(counter):
    with temp_config(SUBPROCESS_TRAINER):
        future = caikit.train(counter, corpus(), started=threading.Event(), trainer="sub")
    future.wait(60)
    assert future.status is JobStatus.ERRORED
    assert future.reasons and "pickle" in future.reasons[0].lower()


def test_retention_purges_finished_trainings_and_their_output(counter, tmp_path):
    config = {"model_management": {"trainers": {"short": {"type": "LOCAL", "config": {"retention_duration": "0s"}}}}}
    with temp_config(config):
        future = caikit.train(counter, corpus(), save_path=str(tmp_path / "m"), trainer="short", wait=True)
        assert future.status is JobStatus.COMPLETED
        with pytest.raises(UnknownTrainingError) as info:
            MODEL_MANAGER.get_model_future(future.id)
    assert str(info.value) == f"Unknown training_id: {future.id}"
    assert not (tmp_path / "m").exists()


def test_unknown_training_id_is_not_found():
    with pytest.raises(UnknownTrainingError) as info:
        MODEL_MANAGER.get_model_future("nope")
    assert info.value.status_code.name == "NOT_FOUND" and isinstance(info.value, LookupError)
    with pytest.raises(UnknownTrainingError):
        MODEL_MANAGER.get_model_future("6e6f2d73756368:1234")  # encodes an unconfigured trainer


def test_wait_with_a_timeout(counter, tmp_path):
    started = threading.Event()
    future = caikit.train(counter, corpus(), block_marker=str(tmp_path / "s"), started=started)
    try:
        assert started.wait(60)
        with pytest.raises(TimeoutError, match="did not finish within"):
            future.wait(timeout=0.01)
    finally:
        future.cancel()
    assert training_threads() == []


def test_train_needs_a_module(counter):
    with pytest.raises(TypeError, match="needs a @module class or a module id"):
        caikit.train(object)
    with pytest.raises(LookupError, match="No module with id 'missing'"):
        caikit.train("missing")
