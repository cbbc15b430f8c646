"""12-factor configuration for caikit.

Layers, lowest first:

1. built-in defaults: caikit-core's ``config.yml`` plus the section every installed
   distribution contributes through the ``caikit.config_defaults`` entry-point group
   (an entry point names a module attribute holding the path of a YAML file);
2. what :func:`configure` is given (``config_yml_path``, then ``config_dict``);
3. the files listed in ``config_files`` / ``CONFIG_FILES`` (comma separated), in order;
4. environment variables named by the upper-snake key path (``FOO_BIZ=false``), parsed as
   YAML scalars.

:func:`get_config` returns the result read-only, with attribute access; a missing key reads as
``None``.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Iterator, Mapping

from ._env import apply_env_overrides, env_name
from ._merge import merge_configs
from ._yaml_files import ConfigError, load_yaml_file

__all__ = [
    "ConfigError",
    "adopt_snapshot",
    "configure",
    "env_name",
    "get_config",
    "merge_configs",
    "snapshot",
    "temp_config",
]

DEFAULTS_ENTRY_POINT_GROUP = "caikit.config_defaults"
_CORE_DEFAULTS = os.path.join(os.path.dirname(__file__), "config.yml")

_lock = threading.RLock()
_configured: dict | None = None  # everything but the environment layer
_view = None  # the immutable, env-applied result handed out by get_config()


def _builtin_defaults() -> dict:
    from ..core.toolkit import plugins

    merged = load_yaml_file(_CORE_DEFAULTS)
    for _name, claimants in sorted(plugins.plugins(DEFAULTS_ENTRY_POINT_GROUP).items()):
        for plugin in claimants:
            source = plugin.entry_point.load()
            section = source if isinstance(source, Mapping) else load_yaml_file(str(source))
            # A distribution's section only adds keys: the core defaults stay in charge.
            merged = merge_configs(section, merged)
    return merged


def _config_files(config: Mapping[str, Any]) -> list[str]:
    files: Any = os.environ.get("CONFIG_FILES")
    if files is None:
        files = config.get("config_files") or []
    if isinstance(files, str):
        files = [part.strip() for part in files.split(",")]
    return [f for f in files if f]


def _build_view(configured: dict):
    import aconfig

    merged = configured
    for path in _config_files(configured):
        merged = merge_configs(merged, load_yaml_file(path))
    return aconfig.ImmutableAttributeAccessDict(apply_env_overrides(merged))


def configure(
    config_yml_path: str | None = None,
    config_dict: Mapping[str, Any] | None = None,
    merge_strategy: str = "merge",
) -> None:
    """Merge a YAML file and/or a dict onto the current configuration.

    Args:
        config_yml_path: a YAML file whose mapping is merged first
        config_dict: a mapping merged after the file
        merge_strategy: ``"merge"`` (deep merge) or ``"override"`` (start from the built-in
            defaults instead of the current configuration)

    Raises:
        ConfigError: a file is missing or malformed (the message names the file and line)
        TypeError: ``config_dict`` is not a mapping
        ValueError: unknown ``merge_strategy``
    """
    global _configured, _view
    if merge_strategy not in ("merge", "override"):
        raise ValueError(f"merge_strategy must be 'merge' or 'override', not {merge_strategy!r}")
    if config_dict is not None and not isinstance(config_dict, Mapping):
        raise TypeError(f"config_dict must be a mapping, not {config_dict!r}")
    with _lock:
        base = _configured if (_configured is not None and merge_strategy == "merge") else _builtin_defaults()
        if config_yml_path:
            base = merge_configs(base, load_yaml_file(config_yml_path))
        if config_dict:
            base = merge_configs(base, dict(config_dict))
        view = _build_view(base)
        _configured, _view = base, view


def get_config():
    """The current configuration: read-only, attribute access, missing keys read as None."""
    global _configured, _view
    view = _view
    if view is None:
        with _lock:
            if _view is None:
                _configured = _builtin_defaults()
                _view = _build_view(_configured)
            view = _view
    return view


def snapshot() -> dict | None:
    """What ``configure`` calls made of the configuration (everything but the environment
    layer), for handing to a subprocess with :func:`adopt_snapshot`; None if never configured."""
    return _configured


def adopt_snapshot(configured: dict | None) -> None:
    """Make a :func:`snapshot` from another process this process's configuration (a spawned
    training sees the ``configure`` calls of its parent; the environment layer and
    ``CONFIG_FILES`` are applied here again, from this process's environment)."""
    global _configured, _view
    if configured is None:
        return
    with _lock:
        _configured, _view = configured, _build_view(configured)


@contextlib.contextmanager
def temp_config(config_dict: Mapping[str, Any], merge_strategy: str = "merge") -> Iterator[Any]:
    """Apply ``config_dict`` for the duration of a ``with`` block (tests, tools)."""
    global _configured, _view
    with _lock:
        saved = (_configured, _view)
        configure(config_dict=config_dict, merge_strategy=merge_strategy)
    try:
        yield get_config()
    finally:
        with _lock:
            _configured, _view = saved
