"""Fan-out extension points with pluggy.

Factories (see :mod:`.factory`) pick *one* implementation by name. Hooks are for the other
kind of extension, where *every* installed plugin may contribute (runtime start-up, extra
routes, interceptors...). A distribution declares a module of ``@hookimpl`` functions in the
``caikit.hooks`` entry-point group; :func:`make_plugin_manager` loads them and calls
``check_pending()`` so a misspelled hook name fails at start-up instead of being ignored.
"""
from __future__ import annotations

from typing import Any

import pluggy

from . import plugins

__all__ = ["HOOKS_ENTRY_POINT_GROUP", "hookimpl", "hookspec", "make_plugin_manager"]

PROJECT = "caikit"
HOOKS_ENTRY_POINT_GROUP = "caikit.hooks"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def make_plugin_manager(*spec_modules: Any, entry_point_group: str = HOOKS_ENTRY_POINT_GROUP) -> pluggy.PluginManager:
    """A plugin manager with ``spec_modules``' hook specs and every installed hook plugin.

    Raises:
        pluggy.PluginValidationError: an installed plugin implements a hook no spec declares
    """
    manager = pluggy.PluginManager(PROJECT)
    for specs in spec_modules:
        manager.add_hookspecs(specs)
    for name, claimants in sorted(plugins.plugins(entry_point_group).items()):
        for plugin in claimants:
            manager.register(plugins.load(entry_point_group, name), name=f"{plugin.distribution}:{name}")
    manager.check_pending()
    return manager
