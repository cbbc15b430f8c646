"""``runtime.service_generation.backwards_compatibility``: refuse to serve a library that dropped
modules a previous version served (caikit 0.29.1's check).

``python -m caikit.runtime.dump_services OUT -j`` writes the served modules as
``{"included_modules": {"<Task>": {"<module_id>": "<class repr>"}}}`` to
``current_modules_path``. Keep that file of a released version and point ``prev_modules_path``
at it: with ``enabled: true``, generating the services (the gRPC and HTTP servers at start-up,
``dump_services``) fails with :class:`BackwardsCompatibilityError` when a module id of the
previous file is no longer served (removed, renamed, or filtered out by ``module_guids`` /
``task_types``). Only module ids are compared: a module that moved to another task, or new
modules, pass. The generated services are the same with the check on or off.

Paths are relative to the working directory, as in 0.29.1. What 0.29.1 does is recorded in
``packages/caikit-runtime/tests/fixtures/reference_backwards_compatibility.md``.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, Iterable, Set

__all__ = [
    "BackwardsCompatibilityError",
    "check_backwards_compatibility",
    "included_modules",
    "write_modules_json",
]

log = logging.getLogger("caikit.runtime.service_generation")

KEY = "runtime.service_generation.backwards_compatibility"


class BackwardsCompatibilityError(ValueError):
    """The served modules are not compatible with ``prev_modules_path`` (or the setting or
    the file cannot be used; the message names the key)."""


def included_modules(services: Any) -> Dict[str, Dict[str, str]]:
    """``{"<Task>": {"<module_id>": "<class repr>"}}`` of the served inference tasks."""
    included: Dict[str, Dict[str, str]] = {}
    for rpc in services.task_rpcs:
        for module_class in rpc.module_classes:
            included.setdefault(rpc.task.__name__, {})[module_class.MODULE_ID] = repr(module_class)
    return included


def write_modules_json(services: Any, path: str) -> None:
    """Write ``modules.json`` as 0.29.1 does (sorted keys, 4-space indent, no final newline)."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"included_modules": included_modules(services)}, handle, indent=4, sort_keys=True)


def _settings(generation: Any) -> Any:
    settings = (generation or {}).get("backwards_compatibility") or {}
    enabled = settings.get("enabled", False)
    if not isinstance(enabled, bool):
        raise BackwardsCompatibilityError(f"{KEY}.enabled: must be true or false, got {enabled!r}")
    return settings if enabled else None


def _previous_module_ids(path: str) -> Set[str]:
    key = f"{KEY}.prev_modules_path"
    if not path or not os.path.isfile(path) or not os.access(path, os.R_OK):
        # 0.29.1's words
        raise BackwardsCompatibilityError(f"{key}: {path} is not a valid file path or is missing permissions")
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as err:
        raise BackwardsCompatibilityError(f"{key}: {path} is not a JSON file: {err}") from err
    tasks = document.get("included_modules") if isinstance(document, dict) else None
    if not isinstance(tasks, dict) or not all(isinstance(m, dict) for m in tasks.values()):
        raise BackwardsCompatibilityError(
            f'{key}: {path} is not a modules.json ({{"included_modules": {{"<Task>": {{"<module_id>": ...}}}}}})'
        )
    return {str(module_id) for modules in tasks.values() for module_id in modules}


def check_backwards_compatibility(generation: Any, served_module_ids: Iterable[str]) -> None:
    """With ``backwards_compatibility.enabled``, fail when a module id of ``prev_modules_path``
    is not among ``served_module_ids``.

    Raises:
        BackwardsCompatibilityError: a module was dropped (the message lists them, as 0.29.1's
            ``BREAKING CHANGE! Found unsupported module(s) that were previously supported:
            {'counter', 'shouter'}``), ``prev_modules_path`` cannot be read or is not a
            modules.json, or ``enabled`` is not a boolean
    """
    settings = _settings(generation)
    if settings is None:
        return
    previous = _previous_module_ids(str(settings.get("prev_modules_path") or ""))
    regressed = sorted(previous - set(served_module_ids))
    if not regressed:
        log.info("Backwards compatible with %s", settings.get("prev_modules_path"))
        return
    log.error(
        "BREAKING CHANGE FOUND! These modules became unsupported. These models were on the "
        "supported list in previous version, but now are no longer supported."
    )
    for module_id in regressed:
        log.error("Regressed module: %s", module_id)
    listed = ", ".join(repr(module_id) for module_id in regressed)
    raise BackwardsCompatibilityError(
        f"BREAKING CHANGE! Found unsupported module(s) that were previously supported: {{{listed}}}"
    )
