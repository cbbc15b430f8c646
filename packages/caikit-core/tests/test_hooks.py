"""pluggy hooks: installed plugins contribute, a misspelled hook fails at start-up."""
import pluggy
import pytest
from caikit.core.toolkit.hooks import hookspec, make_plugin_manager
from caikit.core.toolkit.testing import throwaway_distribution

GROUP = "caikit_tests.hooks"


class Specs:
    @hookspec
    def contribute_routes(self, prefix):
        """Return a list of route strings under ``prefix``."""


GOOD = '''
from caikit.core.toolkit.hooks import hookimpl

@hookimpl
def contribute_routes(prefix):
    return [prefix + "/extra"]
'''

MISSPELLED = '''
from caikit.core.toolkit.hooks import hookimpl

@hookimpl
def contribute_rootes(prefix):
    return []
'''


def test_every_installed_plugin_contributes():
    with throwaway_distribution("hooks-a", {GROUP: {"a": "hooks_a"}}, {"hooks_a.py": GOOD}):
        manager = make_plugin_manager(Specs, entry_point_group=GROUP)
        assert manager.hook.contribute_routes(prefix="/api") == [["/api/extra"]]


def test_misspelled_hook_fails_at_startup():
    with throwaway_distribution("hooks-b", {GROUP: {"b": "hooks_b"}}, {"hooks_b.py": MISSPELLED}):
        with pytest.raises(pluggy.PluginValidationError, match="contribute_rootes"):
            make_plugin_manager(Specs, entry_point_group=GROUP)


def test_no_plugins_is_fine():
    manager = make_plugin_manager(Specs, entry_point_group=GROUP + ".empty")
    assert manager.hook.contribute_routes(prefix="/x") == []
