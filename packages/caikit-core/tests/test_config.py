"""caikit.config: defaults, merging, files, environment overrides, errors."""
import textwrap

import caikit
import pytest
from caikit.config import ConfigError, configure, get_config, merge_configs, temp_config


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch):
    monkeypatch.delenv("CONFIG_FILES", raising=False)
    with temp_config({}, merge_strategy="override"):
        yield


def test_builtin_defaults_are_present():
    cfg = get_config()
    assert cfg.log.level == "info"
    assert cfg.model_management.finders.default.type == "LOCAL"


def test_missing_key_reads_as_none():
    assert get_config().does_not_exist is None
    assert get_config().log.nope is None


def test_config_is_read_only():
    with pytest.raises((TypeError, AttributeError)):
        get_config().log.level = "debug"
    with pytest.raises(TypeError):
        get_config()["log"] = {}


def test_config_dict_merges_deeply():
    configure(config_dict={"log": {"level": "debug"}, "foo": {"bar": 1}})
    cfg = get_config()
    assert cfg.log.level == "debug"
    assert cfg.log.formatter == "json"  # sibling kept
    assert cfg.foo == {"bar": 1}


def test_configure_is_cumulative():
    configure(config_dict={"foo": {"a": 1}})
    configure(config_dict={"foo": {"b": 2}})
    assert get_config().foo == {"a": 1, "b": 2}


def test_override_strategy_restarts_from_defaults():
    configure(config_dict={"foo": {"a": 1}})
    configure(config_dict={"bar": 2}, merge_strategy="override")
    assert get_config().foo is None
    assert get_config().bar == 2


def test_env_overrides_existing_keys_as_yaml_scalars(monkeypatch):
    monkeypatch.setenv("FOO_BIZ", "false")
    monkeypatch.setenv("FOO_NUM", "12")
    monkeypatch.setenv("FOO_NOT_A_KEY", "x")
    configure(config_dict={"foo": {"biz": True, "num": 1, "text": "a"}})
    foo = get_config().foo
    assert foo.biz is False
    assert foo.num == 12
    assert "not_a_key" not in foo


def test_config_files_from_env_are_merged_in_order(tmp_path, monkeypatch):
    first = tmp_path / "first.yaml"
    second = tmp_path / "second.yaml"
    first.write_text("foo:\n  baz: three\n  bar: 5\n")
    second.write_text("foo:\n  bar: 6\n")
    monkeypatch.setenv("CONFIG_FILES", f"{first},{second}")
    configure(config_dict={"foo": {"bar": 1, "baz": "two", "biz": True}})
    assert get_config().foo == {"bar": 6, "baz": "three", "biz": True}


def test_override_file_keys_lead(tmp_path, monkeypatch):
    override = tmp_path / "override.yaml"
    override.write_text("foo:\n baz: three\n\n")
    monkeypatch.setenv("CONFIG_FILES", str(override))
    configure(config_dict={"foo": {"bar": 1, "baz": "two", "biz": True}})
    assert str(get_config().foo) == "{'baz': 'three', 'bar': 1, 'biz': True}"


def test_config_yml_path(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("foo:\n  x: 1\n")
    configure(config_yml_path=str(path), config_dict={"foo": {"y": 2}})
    assert get_config().foo == {"x": 1, "y": 2}


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(textwrap.dedent("""\
        foo:
          a: 1
          b: [unclosed
        bar: 2
        """))
    with pytest.raises(ConfigError) as info:
        configure(config_yml_path=str(path))
    assert str(path) in str(info.value)
    assert info.value.line is not None and info.value.line >= 3
    assert f"line {info.value.line}" in str(info.value)


def test_unreadable_file_is_named(tmp_path):
    missing = tmp_path / "missing.yml"
    with pytest.raises(ConfigError, match=r"missing\.yml"):
        configure(config_yml_path=str(missing))


def test_non_mapping_file_is_refused(tmp_path):
    path = tmp_path / "list.yml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        configure(config_yml_path=str(path))


def test_bad_arguments():
    with pytest.raises(TypeError):
        configure(config_dict=["not", "a", "dict"])
    with pytest.raises(ValueError):
        configure(config_dict={}, merge_strategy="sideways")


def test_top_level_lazy_exports():
    assert caikit.configure is configure
    assert caikit.get_config is get_config


def test_merge_replaces_with_override_strategy():
    merged = merge_configs({"a": {"x": 1, "y": 2}}, {"a": {"merge_strategy": "override", "z": 3}})
    assert merged == {"a": {"z": 3}}


@pytest.mark.parametrize(
    ("variable", "raw", "allowed"),
    [
        ("FOO_PORT", "oops", "must be an integer (default 8080)"),
        ("FOO_ENABLED", "maybe", "must be a boolean (true or false; default true)"),
        ("FOO_RATIO", "[1, 2]", "must be a number (default 0.5)"),
    ],
)
def test_bad_env_value_names_variable_key_value_and_what_is_allowed(monkeypatch, variable, raw, allowed):
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigError) as info:
        configure(config_dict={"foo": {"port": 8080, "enabled": True, "ratio": 0.5}})
    message = str(info.value)
    key = "foo." + variable.split("_", 1)[1].lower()
    assert f"{variable}={raw!r}" in message and key in message and allowed in message


def test_env_numbers_may_replace_integer_defaults_and_anything_replaces_strings(monkeypatch):
    monkeypatch.setenv("FOO_PERIOD", "0.5")
    monkeypatch.setenv("FOO_TEXT", "123")
    configure(config_dict={"foo": {"period": 10, "text": "hello"}})
    assert get_config().foo.period == 0.5
    assert get_config().foo.text == 123
