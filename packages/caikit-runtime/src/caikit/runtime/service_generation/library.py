"""Which module classes the runtime serves: ``runtime.library`` plus the include/exclude filters.

``runtime.library`` names an importable package (several may be given space-separated; all are
imported) or ``"__main__"`` for the running script. A module class is served when the top-level
package of its ``__module__`` equals the library string, its tasks are visible, and it passes
``runtime.service_generation.module_guids`` / ``task_types`` ``included`` / ``excluded``.
"""
from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, List, Sequence

__all__ = ["import_library", "served_modules", "served_tasks"]

log = logging.getLogger("caikit.runtime.service_generation")


def import_library(library: str) -> None:
    """Import every package named in ``library`` (space separated); ``__main__`` is already there.

    Raises:
        ImportError: a named package cannot be imported (the message names it)
    """
    for name in (library or "").split():
        if name == "__main__" or name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise ImportError(f"runtime.library names {name!r}, which cannot be imported: {err}") from err


def _top_package(module_class: type) -> str:
    return (module_class.__module__ or "").split(".")[0]


def _listed(values: Any) -> List[str]:
    if not values:
        return []
    if isinstance(values, str):
        return [v for v in values.replace(",", " ").split() if v]
    return [str(v) for v in values]


def served_modules(library: str, generation_config: Any = None) -> List[type]:
    """The module classes to serve, in registration order.

    Args:
        library: the ``runtime.library`` string
        generation_config: the ``runtime.service_generation`` section (filters)
    """
    from caikit.core.registries import module_registry

    included = set(_listed(_get(generation_config, "module_guids", "included")))
    excluded = set(_listed(_get(generation_config, "module_guids", "excluded")))
    modules = []
    for module_id, module_class in list(module_registry().items()):
        if _top_package(module_class) != library:
            continue
        if included and module_id not in included:
            continue
        if module_id in excluded:
            continue
        modules.append(module_class)
    return modules


def served_tasks(module_class: type, generation_config: Any = None) -> List[type]:
    """The tasks of ``module_class`` to serve (visible ones passing the task-type filters)."""
    included = set(_listed(_get(generation_config, "task_types", "included")))
    excluded = set(_listed(_get(generation_config, "task_types", "excluded")))
    tasks = []
    for task in module_class.tasks:
        name = task.__name__
        if included and name not in included:
            continue
        if name in excluded:
            continue
        visible = getattr(task, "get_visibility", lambda: True)()
        if not visible:
            continue
        tasks.append(task)
    return tasks


def _get(config: Any, section: str, key: str) -> Sequence[str]:
    if not config:
        return []
    part = config.get(section) if hasattr(config, "get") else getattr(config, section, None)
    if not part:
        return []
    return part.get(key) if hasattr(part, "get") else getattr(part, key, None)
