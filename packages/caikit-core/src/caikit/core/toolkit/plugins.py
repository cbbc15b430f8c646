"""The one place that reads entry points.

Every pluggable part of caikit (model finders, trainers, initializers, message queues, group
stores, groupings, config sections...) is found through an entry-point group. Reading
``importlib.metadata`` is slow (it scans every installed distribution), so each group is read
once and cached; tests that install throwaway distributions call :func:`clear_cache`.
"""
from __future__ import annotations

import functools
import re
import threading
from typing import Any, NamedTuple

__all__ = [
    "DuplicatePluginError",
    "Plugin",
    "PluginImportError",
    "PluginNotFoundError",
    "clear_cache",
    "find",
    "load",
    "plugins",
]


class PluginNotFoundError(LookupError):
    """No installed distribution provides the requested plugin."""

    def __init__(self, group: str, name: str, installed: list[str], hint: str | None = None):
        listing = ", ".join(installed) if installed else "none"
        message = f"No {group!r} plugin named {name!r}. Installed: {listing}."
        if hint:
            message += f" {hint}"
        super().__init__(message)
        self.group = group
        self.name = name
        self.installed = installed


class DuplicatePluginError(LookupError):
    """Two distributions claim the same plugin name in one group."""

    def __init__(self, group: str, name: str, distributions: list[str]):
        super().__init__(
            f"Plugin {name!r} of group {group!r} is claimed by more than one distribution: "
            f"{', '.join(distributions)}. Uninstall all but one of them."
        )
        self.group = group
        self.name = name
        self.distributions = distributions


class PluginImportError(ImportError):
    """A plugin was found but its code (or one of its dependencies) failed to import."""


class Plugin(NamedTuple):
    """One entry point: its name, the distribution that declares it, and the entry point."""

    name: str
    distribution: str
    entry_point: Any


_LOCK = threading.Lock()


@functools.cache
def _read_group(group: str) -> tuple[Plugin, ...]:
    from importlib.metadata import entry_points  # slow import: only when a group is read

    found: dict[tuple[str, str], Plugin] = {}
    for entry_point in entry_points(group=group):
        dist = getattr(entry_point, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else "<unknown>"
        # The same distribution on two sys.path entries is one plugin, not a conflict.
        found.setdefault((entry_point.name, _normalize(dist_name)), Plugin(entry_point.name, dist_name, entry_point))
    return tuple(found.values())


def _normalize(dist_name: str) -> str:
    return re.sub(r"[-_.]+", "-", dist_name).lower()


def plugins(group: str) -> dict[str, list[Plugin]]:
    """Every plugin of ``group`` by name (a name may have several claimants)."""
    with _LOCK:
        entries = _read_group(group)
    by_name: dict[str, list[Plugin]] = {}
    for plugin in entries:
        by_name.setdefault(plugin.name, []).append(plugin)
    return by_name


def find(group: str, name: str, hint: str | None = None) -> Plugin:
    """The single plugin called ``name`` in ``group``.

    Raises:
        PluginNotFoundError: nothing installed provides ``name``
        DuplicatePluginError: two distributions provide ``name``
    """
    candidates = plugins(group)
    claimants = candidates.get(name)
    if not claimants:
        raise PluginNotFoundError(group, name, sorted(candidates), hint)
    if len(claimants) > 1:
        raise DuplicatePluginError(group, name, sorted(p.distribution for p in claimants))
    return claimants[0]


def load(group: str, name: str, hint: str | None = None) -> Any:
    """Import and return the object behind plugin ``name`` of ``group``.

    Raises:
        PluginNotFoundError, DuplicatePluginError: see :func:`find`
        PluginImportError: the plugin's module failed to import; names its distribution and
            the extra that would install what is missing, when that can be told
    """
    plugin = find(group, name, hint)
    try:
        return plugin.entry_point.load()
    except ImportError as err:
        raise PluginImportError(_import_failure_message(plugin, group, err)) from err


def _import_failure_message(plugin: Plugin, group: str, err: ImportError) -> str:
    message = (
        f"Plugin {plugin.name!r} of group {group!r} from distribution {plugin.distribution!r} "
        f"failed to import: {err}."
    )
    extra = _extra_providing(plugin, getattr(err, "name", None))
    if extra:
        message += f' Install it with: pip install "{plugin.distribution}[{extra}]"'
    else:
        message += f" Reinstall it with its dependencies: pip install {plugin.distribution}"
    return message


def _extra_providing(plugin: Plugin, missing_module: str | None) -> str | None:
    """The extra of the plugin's distribution whose requirements include the missing module."""
    dist = getattr(plugin.entry_point, "dist", None)
    if dist is None or not missing_module:
        return None
    top = _normalize(missing_module.split(".")[0])
    for requirement in dist.requires or ():
        match = re.match(r"\s*([A-Za-z0-9._-]+).*extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        if match and _normalize(match.group(1)) == top:
            return match.group(2)
    return None


def clear_cache() -> None:
    """Forget what was read, so newly installed distributions are seen."""
    with _LOCK:
        _read_group.cache_clear()
    import importlib

    importlib.invalidate_caches()
