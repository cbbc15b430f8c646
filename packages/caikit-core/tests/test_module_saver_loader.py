"""ModuleSaver / ModuleLoader / ModuleConfig: caikit 0.29.1's model directory format."""
import datetime
import os
import shutil
import uuid
import zipfile

import caikit
import pytest
import yaml
from caikit.core import ModuleBase, ModuleConfig, ModuleLoader, ModuleSaver, module
from caikit.core.modules import InvalidModelConfigError, ModelConfigNotFoundError

FIXTURE_029 = os.path.join(os.path.dirname(__file__), "fixtures", "models", "greeter-0.29.1")
FIXTURE_029_MODULE_ID = "6d1b3b1d-5d4b-4e7e-9d6d-2b9a3f0c1e42"


@module(FIXTURE_029_MODULE_ID, "Sample Greeter", "0.0.0")
class Greeter(ModuleBase):
    """Stands in for greeter_lib's module: same id as the hand-written 0.29.1 model."""

    def __init__(self, greeting_template="Hello {}", words=(), tags=()):
        self.greeting_template = greeting_template
        self.words = list(words)
        self.tags = set(tags)

    def run(self, name: str) -> str:
        return self.greeting_template.format(name)

    def save(self, model_path):
        with ModuleSaver(self, model_path=model_path) as saver:
            relative, absolute = saver.add_dir("artifacts")
            with open(os.path.join(absolute, "words.txt"), "w", encoding="utf-8") as handle:
                handle.write("\n".join(self.words) + "\n")
            saver.update_config(
                {"greeting_template": self.greeting_template, "artifacts": relative, "tags": self.tags, "pair": (1, 2)}
            )

    @classmethod
    def load(cls, model_path):
        loader = ModuleLoader(model_path)
        with open(loader.artifact_path(loader.config.artifacts, "words.txt"), encoding="utf-8") as handle:
            words = handle.read().split()
        return cls(loader.config.greeting_template, words, loader.config.tags)


def test_saver_writes_the_029_keys_and_yaml_safe_values(tmp_path):
    model_dir = tmp_path / "greeter"
    Greeter("Hi {}", ["a", "b"], {"z", "y"}).save(str(model_dir))
    with open(model_dir / "config.yml", encoding="utf-8") as handle:
        raw = handle.read()
    config = yaml.safe_load(raw)  # plain YAML: no python tags
    assert "!!" not in raw
    assert config["module_id"] == FIXTURE_029_MODULE_ID
    assert config["module_class"] == f"{__name__}.Greeter"
    assert config["name"] == "Sample Greeter" and config["version"] == "0.0.0"
    for stamp in ("created", "saved"):
        datetime.datetime.fromisoformat(config[stamp])
    uuid.UUID(config["tracking_id"])
    assert config["tags"] == ["y", "z"] and config["pair"] == [1, 2]
    assert config["greeting_template"] == "Hi {}" and config["artifacts"] == "artifacts"
    assert (model_dir / "artifacts" / "words.txt").read_text() == "a\nb\n"


def test_round_trip_through_caikit_load(tmp_path):
    Greeter("Yo {}", ["w"], {"t"}).save(str(tmp_path / "m"))
    loaded = caikit.load(str(tmp_path / "m"))
    assert isinstance(loaded, Greeter)
    assert loaded.run("Ann") == "Yo Ann" and loaded.words == ["w"] and loaded.tags == {"t"}


def test_hand_written_029_model_loads():
    config = ModuleConfig.load(FIXTURE_029)
    assert config.module_id == FIXTURE_029_MODULE_ID
    assert config.model_path == FIXTURE_029
    assert config.tags == {"formal", "polite"}  # 0.29.1 writes sets with the !!set tag
    assert config.greeter_lib_version == "0.0.1"
    model = caikit.load(FIXTURE_029)
    assert isinstance(model, Greeter)
    assert model.run("Gabe") == "Greetings Gabe"
    assert model.words == ["ahoy", "hello"]


def test_zipped_models_load_from_path_bytes_and_nested_folder(tmp_path):
    flat = tmp_path / "flat.zip"
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(flat, "w") as archive:
        for root, _, files in os.walk(FIXTURE_029):
            for name in files:
                full = os.path.join(root, name)
                archive.write(full, os.path.relpath(full, FIXTURE_029))
    shutil.make_archive(str(tmp_path / "nested"), "zip", os.path.dirname(FIXTURE_029), os.path.basename(FIXTURE_029))
    assert caikit.load(str(flat)).run("A") == "Greetings A"
    assert caikit.load(str(nested)).run("B") == "Greetings B"
    assert caikit.load(flat.read_bytes()).run("C") == "Greetings C"


def test_zip_member_outside_the_model_is_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escaped.txt", "x")
        archive.writestr("config.yml", f"module_id: {FIXTURE_029_MODULE_ID}\n")
    with pytest.raises(ValueError, match="outside the model directory"):
        caikit.load(str(evil))
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_nothing_is_written_when_saving_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with ModuleSaver(Greeter(), model_path=str(tmp_path / "m")):
            raise RuntimeError("disk on fire")
    assert not (tmp_path / "m" / "config.yml").exists()


def test_update_config_errors(tmp_path):
    saver = ModuleSaver(Greeter(), model_path=str(tmp_path / "m"))
    with pytest.raises(TypeError, match=r"config\.handle\b.*cannot be written"):
        saver.update_config({"handle": object()})
    with pytest.raises(ValueError, match="'module_id' is set by ModuleSaver"):
        saver.update_config({"module_id": "other"})
    with pytest.raises(TypeError, match="needs a mapping"):
        saver.update_config(["a"])
    with pytest.raises(ValueError, match="not inside the model directory"):
        saver.add_dir("../outside")


def test_saver_needs_a_decorated_module_instance(tmp_path):
    with pytest.raises(TypeError, match="needs an instance of a @module class"):
        ModuleSaver(object(), model_path=str(tmp_path))


def test_missing_paths_and_bad_configs(tmp_path):
    with pytest.raises(ModelConfigNotFoundError) as info:
        ModuleConfig.load(str(tmp_path))
    assert str(info.value) == f"Module load path `{tmp_path}` does not contain a `config.yml` file."
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        caikit.load(str(tmp_path / "nope"))
    (tmp_path / "config.yml").write_text("- a list\n")
    with pytest.raises(InvalidModelConfigError, match="must hold a YAML mapping"):
        ModuleLoader(str(tmp_path))
    (tmp_path / "config.yml").write_text("name: no id\n")
    with pytest.raises(InvalidModelConfigError, match="has no `module_id`"):
        caikit.load(str(tmp_path))
    (tmp_path / "config.yml").write_text("module_id: [unclosed\n")
    with pytest.raises(InvalidModelConfigError, match="is not valid YAML"):
        caikit.load(str(tmp_path))


def test_module_config_behaves_like_a_path_and_a_dict(tmp_path):
    config = ModuleConfig({"module_id": "x", "nested": {"a": 1}}, model_path=str(tmp_path))
    assert config.nested.a == 1 and config.missing is None
    assert os.path.join(config, "f") == os.path.join(str(tmp_path), "f")
    assert "model_path" not in config
    config.save(str(tmp_path / "copy"))
    assert ModuleConfig.load(str(tmp_path / "copy")) == {"module_id": "x", "nested": {"a": 1}}
    with pytest.raises(ValueError, match="'model_path' is reserved"):
        ModuleConfig({"module_id": "x", "model_path": "/etc"})
    with pytest.raises(TypeError, match="has no model_path"):
        os.fspath(ModuleConfig({"module_id": "x"}))


def test_loader_accepts_a_config_and_reports_missing_keys():
    loader = ModuleLoader(ModuleConfig.load(FIXTURE_029))
    assert loader.model_path == FIXTURE_029
    assert loader.load_args("name", "version") == ("Sample Greeter", "0.0.0")
    with pytest.raises(KeyError, match="has no key 'absent'"):
        loader.load_arg("absent")
    with pytest.raises(ValueError, match="not inside the model directory"):
        loader.artifact_path("..", "..", "etc")
