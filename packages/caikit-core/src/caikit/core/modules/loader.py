"""ModuleLoader: read a model directory written by ModuleSaver (ours or caikit 0.29.1's).

Usage inside a module's ``load``::

    @classmethod
    def load(cls, model_path):
        loader = ModuleLoader(model_path)   # a directory or an already loaded ModuleConfig
        return cls(loader.config["name_list"])
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple, Union

from .config import ModuleConfig

__all__ = ["ModuleLoader"]


class ModuleLoader:
    """Reads a model's ``config.yml`` and resolves artifact paths.

    Attributes:
        config: the :class:`ModuleConfig`
        model_path: the model directory
    """

    def __init__(self, model_path: Union[str, os.PathLike, ModuleConfig]):
        """
        Args:
            model_path: a model directory, its ``config.yml``, or a loaded ModuleConfig

        Raises:
            ModelConfigNotFoundError (a FileNotFoundError): no such directory or no config.yml
            InvalidModelConfigError (a ValueError): the config is unusable
        """
        if isinstance(model_path, ModuleConfig):
            self.config = model_path
        else:
            self.config = ModuleConfig.load(model_path)
        self.model_path = self.config.model_path

    def load_arg(self, arg: str) -> Any:
        """The value of config key ``arg``.

        Raises:
            KeyError: the config has no such key
        """
        if arg not in self.config:
            raise KeyError(f"The config of model {self.model_path!r} has no key {arg!r}; it has {sorted(self.config)}")
        return self.config[arg]

    def load_args(self, *args: str) -> Tuple[Any, ...]:
        """The values of several config keys, in order (see :meth:`load_arg`)."""
        return tuple(self.load_arg(arg) for arg in args)

    def artifact_path(self, *parts: str) -> str:
        """The absolute path of an artifact inside the model directory.

        Raises:
            ValueError: the path would leave the model directory
        """
        root = os.path.abspath(self.model_path or ".")
        path = os.path.abspath(os.path.join(root, *parts))
        if os.path.commonpath([root, path]) != root:
            raise ValueError(f"{os.path.join(*parts)!r} is not inside the model directory {self.model_path!r}")
        return path

    def load_module(self, module_paths_key: str, **kwargs: Any) -> Any:
        """Load a nested module whose relative path is stored under ``module_paths_key``."""
        from ..model_manager import MODEL_MANAGER

        return MODEL_MANAGER.load(self.artifact_path(self.load_arg(module_paths_key)), **kwargs)

    def load_module_list(self, module_paths_key: str, **kwargs: Any) -> Union[Dict[str, Any], List[Any]]:
        """Load the nested modules recorded by ``ModuleSaver.save_module_list``.

        Returns:
            name -> module when a mapping was saved, a list for a list
        """
        from ..model_manager import MODEL_MANAGER

        paths = self.load_arg(module_paths_key)
        if isinstance(paths, dict):
            return {name: MODEL_MANAGER.load(self.artifact_path(rel), **kwargs) for name, rel in paths.items()}
        return [MODEL_MANAGER.load(self.artifact_path(rel), **kwargs) for rel in paths]
