"""Helpers for testing plugins for real: a throwaway distribution on ``sys.path``.

Plugin discovery reads installed distributions' metadata, so the honest test of a plugin is to
install one. :func:`throwaway_distribution` writes a minimal ``<name>.dist-info`` (METADATA and
``entry_points.txt``) plus the given modules into a directory, puts it on ``sys.path`` and clears
the entry-point cache; on exit it undoes all three.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Iterator, Mapping

from . import plugins

__all__ = ["throwaway_distribution", "write_distribution"]


def write_distribution(
    root: str,
    name: str,
    entry_points: Mapping[str, Mapping[str, str]],
    modules: Mapping[str, str] | None = None,
    version: str = "0.0.1",
    requires: list[str] | None = None,
) -> str:
    """Write an installed-looking distribution into ``root`` and return ``root``.

    Args:
        root: directory to write into (becomes a ``sys.path`` entry)
        name: distribution name
        entry_points: group -> {entry point name -> "module:attr"}
        modules: relative file path -> source (e.g. ``{"my_plugin.py": "..."}``)
        version: distribution version
        requires: ``Requires-Dist`` lines (e.g. ``['redis; extra == "redis"']``)
    """
    dist_info = os.path.join(root, f"{name.replace('-', '_')}-{version}.dist-info")
    os.makedirs(dist_info, exist_ok=True)
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {req}" for req in requires or []]
    with open(os.path.join(dist_info, "METADATA"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(metadata) + "\n")
    with open(os.path.join(dist_info, "entry_points.txt"), "w", encoding="utf-8") as handle:
        for group, points in entry_points.items():
            handle.write(f"[{group}]\n")
            for ep_name, value in points.items():
                handle.write(f"{ep_name} = {value}\n")
            handle.write("\n")
    for rel_path, source in (modules or {}).items():
        path = os.path.join(root, rel_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
    return root


@contextlib.contextmanager
def throwaway_distribution(
    name: str,
    entry_points: Mapping[str, Mapping[str, str]],
    modules: Mapping[str, str] | None = None,
    **kwargs,
) -> Iterator[str]:
    """Install a distribution for the duration of a ``with`` block; yields its directory."""
    with tempfile.TemporaryDirectory(prefix=f"dist-{name}-") as root:
        write_distribution(root, name, entry_points, modules, **kwargs)
        sys.path.insert(0, root)
        plugins.clear_cache()
        module_names = {
            os.path.splitext(p)[0].replace(os.sep, ".").removesuffix(".__init__") for p in modules or {}
        }
        try:
            yield root
        finally:
            sys.path.remove(root)
            for module_name in module_names:
                sys.modules.pop(module_name, None)
            plugins.clear_cache()
