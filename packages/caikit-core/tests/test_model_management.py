"""Model-management components: built-ins found as entry points, third-party plugins used by
naming their type in config, finders, initializers and the errors users see."""
import datetime
import uuid

import caikit
import pytest
from caikit.config import temp_config
from caikit.core import MODEL_MANAGER, ModuleBase, ModuleLoader, ModuleSaver, module
from caikit.core.model_management import (
    FINDERS_GROUP,
    TRAINERS_GROUP,
    ModelNotFoundError,
    model_finder_factory,
    model_initializer_factory,
    model_trainer_factory,
)
from caikit.core.model_management._durations import parse_duration
from caikit.core.model_management.local_finder import LocalModelFinder
from caikit.core.model_management.local_initializer import LocalModelInitializer, UnknownModuleError
from caikit.core.model_management.local_trainer import LocalModelTrainer
from caikit.core.model_management.multi_finder import MultiModelFinder
from caikit.core.model_manager import UnknownComponentError
from caikit.core.modules import ModuleConfig
from caikit.core.toolkit.factory import UnknownTypeError
from caikit.core.toolkit.testing import throwaway_distribution

NOTE_ID = f"test-mm-note-{uuid.uuid4()}"


@module(NOTE_ID, "Note", "0.0.1")
class Note(ModuleBase):
    def __init__(self, text: str):
        self.text = text

    def run(self) -> str:
        return self.text

    @classmethod
    def train(cls, text: str) -> "Note":
        return cls(text)

    def save(self, model_path):
        with ModuleSaver(self, model_path=model_path) as saver:
            saver.update_config({"text": self.text})

    @classmethod
    def load(cls, model_path):
        return cls(ModuleLoader(model_path).config.text)


def test_builtins_are_entry_points_of_caikit_core():
    assert model_trainer_factory.get_class("LOCAL") is LocalModelTrainer
    assert model_finder_factory.get_class("LOCAL") is LocalModelFinder
    assert model_finder_factory.get_class("MULTI") is MultiModelFinder
    assert model_initializer_factory.get_class("LOCAL") is LocalModelInitializer
    assert "caikit-core" in model_finder_factory.available_types()["LOCAL"]


def test_defaults_come_from_config_and_are_cached():
    assert isinstance(MODEL_MANAGER.get_trainer(), LocalModelTrainer)
    assert isinstance(MODEL_MANAGER.get_finder(), LocalModelFinder)
    assert isinstance(MODEL_MANAGER.get_initializer(), LocalModelInitializer)
    assert MODEL_MANAGER.get_finder("default") is MODEL_MANAGER.get_finder()


def test_unknown_component_name_and_type():
    with pytest.raises(UnknownComponentError, match="No finder named 'nope' is configured") as info:
        caikit.load("anything", finder="nope")
    assert "model_management.finders.nope" in str(info.value) and "default" in str(info.value)
    with temp_config({"model_management": {"finders": {"kafka": {"type": "KAFKA"}}}}):
        with pytest.raises(UnknownTypeError) as info:
            MODEL_MANAGER.get_finder("kafka")
    assert FINDERS_GROUP in str(info.value) and "'KAFKA'" in str(info.value)


def test_local_finder_load_path(tmp_path):
    Note("hello").save(str(tmp_path / "n1"))
    with temp_config({"model_management": {"finders": {"rooted": {"type": "LOCAL", "config": {"load_path": str(tmp_path)}}}}}):
        assert caikit.load("n1", finder="rooted").run() == "hello"


def test_multi_finder_tries_each_finder_in_turn(tmp_path):
    (tmp_path / "a").mkdir()
    Note("in b").save(str(tmp_path / "b" / "note"))
    finders = {
        "in_a": {"type": "LOCAL", "config": {"load_path": str(tmp_path / "a")}},
        "multi": {
            "type": "MULTI",
            "config": {"finder_sequence": ["in_a", {"type": "LOCAL", "config": {"load_path": str(tmp_path / "b")}}]},
        },
    }
    with temp_config({"model_management": {"finders": finders}}):
        assert caikit.load("note", finder="multi").run() == "in b"
        with pytest.raises(ModelNotFoundError) as info:
            caikit.load("missing", finder="multi")
    assert "in_a (LOCAL)" in str(info.value) and "multi[1] (LOCAL)" in str(info.value)
    assert len(info.value.reasons) == 2


def test_multi_finder_config_errors():
    with pytest.raises(ValueError, match="needs a non-empty finder_sequence"):
        MultiModelFinder({}, "m")
    with pytest.raises(ValueError, match="lists itself"):
        MultiModelFinder({"finder_sequence": ["m"]}, "m")
    with pytest.raises(TypeError, match="finder names or"):
        MultiModelFinder({"finder_sequence": [3]}, "m")


def test_unknown_module_id_is_a_clear_error(tmp_path):
    (tmp_path / "config.yml").write_text("module_id: never-registered\nmodule_class: elsewhere.Mod\n")
    with pytest.raises(UnknownModuleError) as info:
        caikit.load(str(tmp_path))
    message = str(info.value)
    assert isinstance(info.value, LookupError)
    assert "'never-registered'" in message and repr(str(tmp_path)) in message and "elsewhere.Mod" in message
    assert "Import the library" in message


def test_initializer_backend_priority(tmp_path):
    Note("x").save(str(tmp_path / "n"))
    config = {"initializers": {"other_backend": {"type": "LOCAL", "config": {"backend_priority": [{"type": "NOT_HERE"}]}}}}
    with temp_config({"model_management": config}):
        with pytest.raises(UnknownModuleError, match="for backends \\['NOT_HERE'\\]"):
            caikit.load(str(tmp_path / "n"), initializer="other_backend")


def test_load_accepts_a_found_config_and_singletons(tmp_path):
    Note("cfg").save(str(tmp_path / "n"))
    config = MODEL_MANAGER.find_model(str(tmp_path / "n"))
    assert isinstance(config, ModuleConfig) and config.text == "cfg"
    assert caikit.load(config).run() == "cfg"
    first = caikit.load(str(tmp_path / "n"), load_singleton=True)
    assert caikit.load(str(tmp_path / "n"), load_singleton=True) is first
    assert caikit.load(str(tmp_path / "n")) is not first


FINDER_PLUGIN = '''
from caikit.core.model_management import ModelFinderBase
from caikit.core.modules import ModuleConfig


class AliasFinder(ModelFinderBase):
    """Resolves short aliases to model directories listed in its config."""

    name = "ALIAS"

    def find_model(self, model_path, **kwargs):
        target = self._config.aliases.get(model_path)
        return None if target is None else ModuleConfig.load(target)
'''

TRAINER_PLUGIN = '''
import datetime

from caikit.core.data_model import JobStatus
from caikit.core.model_management import ModelFutureBase, ModelTrainerBase, TrainingInfo


class DoneFuture(ModelFutureBase):
    def __init__(self, training_id, model):
        super().__init__(training_id, None)
        self._model = model
        self._at = datetime.datetime.now(datetime.timezone.utc)

    def get_info(self):
        return TrainingInfo(JobStatus.COMPLETED, None, self._at, self._at)

    def cancel(self):
        pass

    def wait(self, timeout=None):
        pass

    def load(self):
        return self._model


class InlineTrainer(ModelTrainerBase):
    """Trains synchronously in the caller and stamps the model with its configured tag."""

    name = "INLINE"

    def __init__(self, config, instance_name):
        super().__init__(config, instance_name)
        self._futures = {}

    def train(self, module_class, *args, save_path=None, save_with_id=False,
              external_training_id=None, model_name=None, **kwargs):
        model = module_class.train(*args, **kwargs)
        model.text = f"{model.text} [{self._config.tag}]"
        future = DoneFuture(external_training_id or f"inline-{len(self._futures)}", model)
        self._futures[future.id] = future
        return future

    def get_model_future(self, training_id):
        return self._futures[training_id]
'''


def test_third_party_finder_declared_only_as_an_entry_point(tmp_path):
    Note("found by alias").save(str(tmp_path / "deep" / "dir"))
    entry_points = {FINDERS_GROUP: {"ALIAS": "caikit_test_alias_finder:AliasFinder"}}
    modules = {"caikit_test_alias_finder.py": FINDER_PLUGIN}
    config = {"finders": {"aliases": {"type": "ALIAS", "config": {"aliases": {"mine": str(tmp_path / "deep" / "dir")}}}}}
    with throwaway_distribution("caikit-test-alias-finder", entry_points, modules):
        with temp_config({"model_management": config}):
            assert caikit.load("mine", finder="aliases").run() == "found by alias"
            with pytest.raises(ModelNotFoundError, match="'unknown'"):
                caikit.load("unknown", finder="aliases")


def test_third_party_trainer_declared_only_as_an_entry_point():
    entry_points = {TRAINERS_GROUP: {"INLINE": "caikit_test_inline_trainer:InlineTrainer"}}
    modules = {"caikit_test_inline_trainer.py": TRAINER_PLUGIN}
    config = {"trainers": {"inline": {"type": "INLINE", "config": {"tag": "plugged"}}}}
    with throwaway_distribution("caikit-test-inline-trainer", entry_points, modules):
        with temp_config({"model_management": config}):
            future = caikit.train(Note, "trained", trainer="inline")
            assert future.status.name == "COMPLETED"
            assert future.load().run() == "trained [plugged]"
            assert MODEL_MANAGER.get_model_future(future.id, trainer="inline") is future
            assert type(MODEL_MANAGER.get_trainer("inline")).__name__ == "InlineTrainer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", datetime.timedelta(days=1)),
        ("30m", datetime.timedelta(minutes=30)),
        ("1d2h30m", datetime.timedelta(days=1, hours=2, minutes=30)),
        ("0.5s", datetime.timedelta(seconds=0.5)),
        (90, datetime.timedelta(seconds=90)),
        ("45", datetime.timedelta(seconds=45)),
        (None, None),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1x", "d", "-5", True, "1h1d"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="Invalid duration"):
        parse_duration(text)


def test_bad_trainer_config():
    with pytest.raises(ValueError, match="Invalid duration 'soon'"):
        LocalModelTrainer({"retention_duration": "soon"}, "t")
    with pytest.raises(ValueError, match="Invalid subprocess_start_method 'teleport'"):
        LocalModelTrainer({"subprocess_start_method": "teleport"}, "t")


def test_local_finder_rejects_non_paths():
    with pytest.raises(TypeError, match="needs a path"):
        LocalModelFinder({}, "f").find_model(42)
