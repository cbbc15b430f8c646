"""The LOCAL finder: a model is a directory holding ``config.yml``.

Configuration::

    model_management:
      finders:
        default:
          type: LOCAL
          config:
            # Optional directory that relative model paths are resolved against
            load_path: null
"""
from __future__ import annotations

import os
from typing import Any, Optional

from ..modules.config import ModuleConfig
from .model_finder_base import ModelFinderBase

__all__ = ["LocalModelFinder"]


class LocalModelFinder(ModelFinderBase):
    """Reads ``<model_path>/config.yml`` into a :class:`ModuleConfig`."""

    name = "LOCAL"

    def __init__(self, config: Any, instance_name: str):
        super().__init__(config, instance_name)
        load_path = (config or {}).get("load_path")
        if load_path is not None and not isinstance(load_path, (str, os.PathLike)):
            raise TypeError(f"load_path of finder {instance_name!r} must be a path, got {load_path!r}")
        self._load_path = os.fspath(load_path) if load_path else None

    def find_model(self, model_path: Any, **kwargs: Any) -> Optional[ModuleConfig]:
        """Read the config of the model directory ``model_path``.

        Raises:
            ModelConfigNotFoundError (a FileNotFoundError): the path does not exist, or it is a
                directory without ``config.yml`` ("Module load path `x` does not contain a
                `config.yml` file.")
            InvalidModelConfigError (a ValueError): the config is not a YAML mapping with a
                ``module_id``
            TypeError: ``model_path`` is not a path
        """
        if not isinstance(model_path, (str, os.PathLike)):
            raise TypeError(f"The LOCAL finder needs a path, got {model_path!r}")
        path = os.fspath(model_path)
        if self._load_path and not os.path.isabs(path):
            path = os.path.join(self._load_path, path)
        return ModuleConfig.load(path)
