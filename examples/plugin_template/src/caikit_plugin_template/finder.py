"""``ALIAS``: find models by a short name listed in config, else under a root directory.

Config (``model_management.finders.<name>``)::

    type: ALIAS
    config:
      root: /srv/models            # where names that are not aliases are looked for
      aliases:                     # name -> model directory
        classifier: /srv/models/ticket-classifier-v3

A finder only *describes* a model (a :class:`~caikit.core.modules.ModuleConfig`); an
initializer loads it.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from caikit.core.model_management import ModelFinderBase
from caikit.core.modules import ModuleConfig

__all__ = ["AliasModelFinder"]


class AliasModelFinder(ModelFinderBase):
    """Resolves an alias (or a name under ``root``) to a model directory and reads its config."""

    name = "ALIAS"

    def __init__(self, config: Any, instance_name: str):
        """
        Raises:
            TypeError: ``aliases`` is not a mapping of names to paths, or ``root`` not a path
        """
        super().__init__(config, instance_name)
        config = config or {}
        aliases = config.get("aliases") or {}
        if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
        ):
            raise TypeError(
                f"finder {instance_name!r}: config.aliases must map names to paths, got {aliases!r}"
            )
        root = config.get("root")
        if root is not None and not isinstance(root, str):
            raise TypeError(f"finder {instance_name!r}: config.root must be a path, got {root!r}")
        self._aliases: Dict[str, str] = dict(aliases)
        self._root = root

    def find_model(self, model_path: Any, **kwargs: Any) -> Optional[ModuleConfig]:
        """The config of the model ``model_path`` names.

        Raises:
            FileNotFoundError: the resolved directory has no ``config.yml``
        """
        name = os.fspath(model_path)
        path = self._aliases.get(name)
        if path is None:
            path = os.path.join(self._root, name) if self._root and not os.path.isabs(name) else name
        return ModuleConfig.load(path)
