"""Factories: in-process registration, entry-point plugins, and the errors users see."""
import pytest
from caikit.core.toolkit import plugins
from caikit.core.toolkit.factory import (
    Factory,
    FactoryConstructible,
    ImportableFactory,
    UnknownTypeError,
)
from caikit.core.toolkit.testing import throwaway_distribution

GROUP = "caikit_tests.widgets"

PLUGIN_SOURCE = '''
from caikit.core.toolkit.factory import FactoryConstructible

class FancyWidget(FactoryConstructible):
    name = "FANCY"

    def __init__(self, config, instance_name):
        self.config = config
        self.instance_name = instance_name
'''


class Plain(FactoryConstructible):
    name = "PLAIN"

    def __init__(self, config, instance_name):
        self.config = config
        self.instance_name = instance_name


def test_register_and_construct():
    factory = Factory("widget")
    factory.register(Plain)
    inst = factory.construct({"type": "PLAIN", "config": {"size": 3}})
    assert isinstance(inst, Plain)
    assert inst.instance_name == "PLAIN"
    assert inst.config.size == 3
    assert inst.config.missing is None


def test_instance_name_and_missing_config():
    factory = Factory("widget")
    factory.register(Plain)
    inst = factory.construct({"type": "PLAIN"}, instance_name="mine")
    assert inst.instance_name == "mine"
    assert inst.config == {}


def test_register_conflict_is_an_error():
    factory = Factory("widget")
    factory.register(Plain)

    class Other(FactoryConstructible):
        name = "PLAIN"

        def __init__(self, config, instance_name):
            pass

    with pytest.raises(ValueError, match="already has"):
        factory.register(Other)
    factory.register(Plain)  # the same class again is fine


def test_register_needs_a_name():
    class Nameless(FactoryConstructible):
        def __init__(self, config, instance_name):
            pass

    with pytest.raises(TypeError, match="name"):
        Factory("widget").register(Nameless)


def test_unknown_type_lists_what_is_available():
    factory = Factory("widget")
    factory.register(Plain)
    with pytest.raises(UnknownTypeError) as info:
        factory.construct({"type": "NOPE"})
    message = str(info.value)
    assert "'widget'" in message and "'NOPE'" in message and "PLAIN" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, LookupError)


def test_import_class_is_refused_with_guidance():
    factory = ImportableFactory("widget", entry_point_group=GROUP)
    with pytest.raises(ValueError, match=GROUP):
        factory.construct({"type": "X", "import_class": "os.path.join"})


def test_entry_point_plugin_is_constructed_by_type_name():
    factory = ImportableFactory("widget", entry_point_group=GROUP)
    modules = {"fancy_widget_plugin.py": PLUGIN_SOURCE}
    with throwaway_distribution("fancy-widgets", {GROUP: {"FANCY": "fancy_widget_plugin:FancyWidget"}}, modules):
        inst = factory.construct({"type": "FANCY", "config": {"color": "red"}})
        assert type(inst).__name__ == "FancyWidget"
        assert inst.config.color == "red"
        assert "FANCY" in factory.available_types()
        assert "fancy-widgets" in factory.available_types()["FANCY"]
    with pytest.raises(UnknownTypeError):
        factory.construct({"type": "FANCY"})


def test_unknown_type_names_group_and_installed_plugins():
    factory = ImportableFactory("widget", entry_point_group=GROUP, hints={"KAFKA": "pip install kafka-widgets"})
    modules = {"fancy_widget_plugin.py": PLUGIN_SOURCE}
    with throwaway_distribution("fancy-widgets", {GROUP: {"FANCY": "fancy_widget_plugin:FancyWidget"}}, modules):
        with pytest.raises(UnknownTypeError) as info:
            factory.construct({"type": "KAFKA"})
    message = str(info.value)
    assert GROUP in message and "'KAFKA'" in message
    assert "FANCY (entry point of fancy-widgets)" in message
    assert "pip install kafka-widgets" in message


def test_two_distributions_claiming_one_name():
    factory = ImportableFactory("widget", entry_point_group=GROUP)
    point = {GROUP: {"FANCY": "fancy_widget_plugin:FancyWidget"}}
    with throwaway_distribution("first-widgets", point, {"fancy_widget_plugin.py": PLUGIN_SOURCE}):
        with throwaway_distribution("second-widgets", point):
            with pytest.raises(plugins.DuplicatePluginError) as info:
                factory.construct({"type": "FANCY"})
    assert "first-widgets" in str(info.value) and "second-widgets" in str(info.value)


def test_plugin_that_fails_to_import_names_distribution_and_extra():
    source = "import caikit_no_such_dependency\n"
    with throwaway_distribution(
        "broken-widgets",
        {GROUP: {"BROKEN": "broken_widget_plugin:Broken"}},
        {"broken_widget_plugin.py": source},
        requires=['caikit-no-such-dependency>=1; extra == "fast"'],
    ):
        with pytest.raises(plugins.PluginImportError) as info:
            ImportableFactory("widget", entry_point_group=GROUP).construct({"type": "BROKEN"})
    message = str(info.value)
    assert "broken-widgets" in message
    assert 'pip install "broken-widgets[fast]"' in message


def test_entry_point_that_is_not_constructible():
    with throwaway_distribution(
        "odd-widgets", {GROUP: {"ODD": "odd_widget_plugin:not_a_class"}}, {"odd_widget_plugin.py": "not_a_class = 3\n"}
    ):
        with pytest.raises(TypeError, match="FactoryConstructible"):
            ImportableFactory("widget", entry_point_group=GROUP).construct({"type": "ODD"})


def test_plugin_cache_is_cleared_between_installs():
    with throwaway_distribution("w1", {GROUP: {"ONE": "x:y"}}):
        assert "ONE" in plugins.plugins(GROUP)
    assert "ONE" not in plugins.plugins(GROUP)
