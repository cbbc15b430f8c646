"""Process-wide registries of the modules, module backends and tasks that have been defined.

The registries are filled as a side effect of the ``@module`` and ``@task`` decorators, so
importing a library is all it takes to make its modules loadable by id and servable by the
runtime. They are plain dicts behind accessor functions so callers (the runtime's service
generation, the LOCAL initializer, tests) can read them without importing ``modules``.

A class that is defined twice from the same source (a script run as ``__main__`` and imported
again by name, or re-imported by ``multiprocessing`` as ``__mp_main__``) replaces its earlier
registration; two *different* classes claiming one id is an error.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Dict, NamedTuple, Optional

__all__ = [
    "DuplicateModuleIdError",
    "ModuleBackendEntry",
    "module_backend_registry",
    "module_registry",
    "register_module",
    "register_module_backend",
    "register_task",
    "task_registry",
]

_LOCK = threading.RLock()
_MODULES: Dict[str, type] = {}
_BACKENDS: Dict[str, Dict[str, ModuleBackendEntry]] = {}
_TASKS: Dict[str, type] = {}


class ModuleBackendEntry(NamedTuple):
    """One implementation of a module id for one backend type."""

    module_class: type
    backend_config_override: Optional[dict]


class DuplicateModuleIdError(ValueError):
    """Two different classes were registered under one module id."""

    def __init__(self, module_id: str, existing: type, new: type, backend_type: Optional[str] = None):
        where = f" for backend {backend_type!r}" if backend_type else ""
        super().__init__(
            f"Module id {module_id!r}{where} is already used by {_qualified(existing)}; "
            f"cannot also register {_qualified(new)}. Give each module a unique id."
        )
        self.module_id = module_id
        self.existing = existing
        self.new = new


def module_registry() -> Dict[str, type]:
    """Every registered module class by ``MODULE_ID`` (the live dict: do not mutate casually)."""
    return _MODULES


def module_backend_registry() -> Dict[str, Dict[str, ModuleBackendEntry]]:
    """For every module id, its implementations by backend type (``LOCAL``, ...)."""
    return _BACKENDS


def task_registry() -> Dict[str, type]:
    """Every task class defined with ``@task``, by ``<module>.<qualname>``."""
    return _TASKS


def register_module(module_id: str, module_class: type) -> None:
    """Register ``module_class`` as the implementation of ``module_id``.

    Raises:
        DuplicateModuleIdError: a different class already holds ``module_id``
    """
    with _LOCK:
        _source_file(module_class)
        existing = _MODULES.get(module_id)
        if existing is not None and not same_definition(existing, module_class):
            raise DuplicateModuleIdError(module_id, existing, module_class)
        _MODULES[module_id] = module_class


def register_module_backend(
    module_id: str,
    backend_type: str,
    module_class: type,
    backend_config_override: Optional[dict] = None,
) -> None:
    """Register ``module_class`` as the ``backend_type`` implementation of ``module_id``.

    Raises:
        DuplicateModuleIdError: a different class already implements that backend
    """
    with _LOCK:
        _source_file(module_class)
        backends = _BACKENDS.setdefault(module_id, {})
        existing = backends.get(backend_type)
        if existing is not None and not same_definition(existing.module_class, module_class):
            raise DuplicateModuleIdError(module_id, existing.module_class, module_class, backend_type)
        backends[backend_type] = ModuleBackendEntry(module_class, backend_config_override)


def register_task(task_class: type) -> None:
    """Record ``task_class`` (a redefinition replaces the earlier class)."""
    with _LOCK:
        _TASKS[f"{task_class.__module__}.{task_class.__qualname__}"] = task_class


def same_definition(a: type, b: type) -> bool:
    """Whether ``a`` and ``b`` are one class statement evaluated twice.

    True for the same object, for the same module and qualified name, and for the same
    qualified name defined in the same source file under two module names (``__main__`` and
    its importable name).
    """
    if a is b:
        return True
    if a.__qualname__ != b.__qualname__:
        return False
    if a.__module__ == b.__module__:
        return True
    file_a, file_b = _source_file(a), _source_file(b)
    return file_a is not None and file_a == file_b


_SOURCE_ATTR = "_caikit_source_file"


def _source_file(cls: type) -> Optional[str]:
    # Remembered the first time it is asked (at registration), while sys.modules still maps
    # the class's module name to the module that defined it (runpy swaps __main__ back later).
    if _SOURCE_ATTR in cls.__dict__:
        return cls.__dict__[_SOURCE_ATTR]
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    source = os.path.realpath(path) if path else None
    try:
        setattr(cls, _SOURCE_ATTR, source)
    except (AttributeError, TypeError):
        pass
    return source


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
