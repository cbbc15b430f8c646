"""The template's plugins, found the way users find them: through the entry points its
pyproject.toml declares (installed here as a throwaway distribution), by their type names."""
import pathlib
import sys

import caikit
import pytest
from caikit.config import temp_config
from caikit.core import DataObjectBase, ModuleBase, TaskBase, dataobject, module, task
from caikit.core.data_model import JobStatus
from caikit.core.model_management import (
    model_finder_factory,
    model_initializer_factory,
    model_trainer_factory,
)
from caikit.core.modules import ModuleLoader, ModuleSaver
from caikit.core.toolkit.testing import throwaway_distribution
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager
from caikit_compose.group_store import codec
from caikit_compose.testing import check_group_store, check_message_queue

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

HERE = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def installed(monkeypatch):
    """The template installed: its package importable, its entry points declared."""
    monkeypatch.syspath_prepend(str(HERE / "src"))
    with throwaway_distribution("caikit-plugin-template", PYPROJECT["project"]["entry-points"]):
        yield
    for name in [m for m in sys.modules if m.startswith("caikit_plugin_template")]:
        del sys.modules[name]


@dataobject(package="plugin_template_tests")
class Echo(DataObjectBase):
    text: str


@task(unary_parameters={"text": str}, unary_output_type=Echo)
class EchoTask(TaskBase):
    """Say it again."""


@module("plugin-template-echo", "Echo", "0.0.1", task=EchoTask)
class EchoModule(ModuleBase):
    def __init__(self, suffix: str = "!"):
        self.suffix = suffix

    def run(self, text: str) -> Echo:
        return Echo(text + self.suffix)

    @classmethod
    def train(cls, suffix: str = "!") -> "EchoModule":
        if not suffix:
            raise ValueError("suffix must not be empty")
        return cls(suffix)

    def save(self, model_path: str):
        with ModuleSaver(self, model_path=model_path) as saver:
            saver.update_config({"suffix": self.suffix})

    @classmethod
    def load(cls, model_path) -> "EchoModule":
        return cls(ModuleLoader(model_path).config["suffix"])


def test_every_declared_type_is_found_by_name():
    declared = {group: set(points) for group, points in PYPROJECT["project"]["entry-points"].items()}
    assert declared == {
        "caikit.model_trainers": {"INLINE"},
        "caikit.model_finders": {"ALIAS"},
        "caikit.model_initializers": {"TIMED"},
        "caikit_compose.message_queues": {"SIMPLE"},
        "caikit_compose.group_stores": {"DICT"},
        "caikit_compose.groupings": {"BATCH"},
    }
    assert "entry point of caikit-plugin-template" in model_trainer_factory.available_types()["INLINE"]
    assert model_finder_factory.get_class("ALIAS").__name__ == "AliasModelFinder"
    assert model_initializer_factory.get_class("TIMED").__name__ == "TimedModelInitializer"
    assert type(MQ_FACTORY.construct({"type": "SIMPLE"})).__name__ == "SimpleMessageQueue"
    assert type(GROUP_STORE_FACTORY.construct({"type": "DICT"})).__name__ == "DictGroupStore"


def test_trainer_finder_and_initializer_through_caikit_config(tmp_path):
    config = {
        "model_management": {
            "trainers": {"inline": {"type": "INLINE"}},
            "finders": {"alias": {"type": "ALIAS", "config": {"root": str(tmp_path), "aliases": {"best": str(tmp_path / "echo")}}}},
            "initializers": {"timed": {"type": "TIMED"}},
        }
    }
    with temp_config(config):
        future = caikit.train(EchoModule, suffix="?", save_path=str(tmp_path / "echo"), trainer="inline")
        assert future.status is JobStatus.COMPLETED
        assert future.load().run("ok").text == "ok?"
        assert caikit.core.MODEL_MANAGER.get_model_future(future.id, trainer="inline") is future
        failed = caikit.train(EchoModule, suffix="", trainer="inline")
        assert failed.status is JobStatus.ERRORED and "suffix" in failed.reasons[0]

        by_alias = caikit.load("best", finder="alias", initializer="timed")
        by_name = caikit.load("echo", finder="alias", initializer="timed")
        assert by_alias.run("a").text == by_name.run("a").text == "a?"
        timed = caikit.core.MODEL_MANAGER.get_initializer("timed")
        assert timed.load_seconds["plugin-template-echo"] >= 0
        with pytest.raises(FileNotFoundError):
            caikit.load("missing", finder="alias", initializer="timed")


def test_simple_message_queue_conforms():
    check_message_queue(lambda: MQ_FACTORY.construct({"type": "SIMPLE"}))


def test_dict_group_store_conforms():
    check_group_store(lambda: GROUP_STORE_FACTORY.construct({"type": "DICT"}))


@pytest.mark.parametrize("mq_type,store_type", [("SIMPLE", "DICT"), ("LOCAL", "LOCAL")])
def test_batch_grouping(mq_type, store_type):
    mq = MQ_FACTORY.construct({"type": mq_type})
    gs = GROUP_STORE_FACTORY.construct({"type": store_type})
    mq.create_topic(Echo.full_name)
    batches = []
    SubscriptionManager("batcher", mq, gs, batches.append, Echo.full_name, "BATCH", {"batch_size": 3})
    for i in range(7):
        mq.publish(Echo.full_name, Message.from_data(Echo(str(i)), data_id=f"d{i}"))
    assert [[m.unwrapped.text for m in b.unwrapped.messages] for b in batches] == [["0", "1", "2"], ["3", "4", "5"]]
    assert [b.header.data_id for b in batches] == ["d2", "d5"]
    assert batches[0].header.content_type == "BATCH.batcher"
    with pytest.raises(ValueError, match="batch_size"):
        SubscriptionManager("bad", mq, gs, batches.append, Echo.full_name, "BATCH", {"batch_size": 0})


def test_batch_state_serializes_for_external_stores():
    from caikit_plugin_template.grouping import Batch

    state = Batch((Message.from_data(Echo("x"), data_id="a"), Message.from_data(Echo("y"), data_id="b")))
    again = codec.decode(codec.encode(state))
    assert isinstance(again, Batch)
    assert [m.unwrapped.text for m in again] == ["x", "y"]
