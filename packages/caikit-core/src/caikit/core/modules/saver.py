"""ModuleSaver: write a model directory in caikit's format.

Usage inside a module's ``save``::

    def save(self, model_path):
        with ModuleSaver(self, model_path=model_path) as saver:
            rel, abs_path = saver.add_dir("artifacts")
            ...write files under abs_path...
            saver.update_config({"name_list": self._names, "artifacts": rel})

On leaving the ``with`` block without an exception, ``config.yml`` is written (atomically)
with ``module_id``, ``module_class``, ``name``, ``version``, ``created``, ``saved``,
``tracking_id``, ``<library>_version`` and every key given to :meth:`update_config`. If the
block raises, no ``config.yml`` is written, so the directory is never mistaken for a model.
"""
from __future__ import annotations

import datetime
import os
import shutil
import uuid
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from ._yaml_safe import to_yaml_safe
from .config import CONFIG_FILE_NAME, write_yaml

__all__ = ["ModuleSaver"]

_OWNED_KEYS = ("module_id", "module_class")


class ModuleSaver:
    """Context manager that writes a module's ``config.yml`` and artifacts.

    Attributes:
        module: the module being saved
        model_path: the model directory (created on entry)
        config: what will be written to ``config.yml``
    """

    def __init__(self, module: Any, model_path: Union[str, os.PathLike]):
        """
        Args:
            module: an instance of a ``@module``-decorated class
            model_path: the directory to write

        Raises:
            TypeError: ``module`` is not an instance of a decorated module class, or
                ``model_path`` is not a path
        """
        from .base import ModuleBase

        if not isinstance(module, ModuleBase) or not getattr(type(module), "MODULE_ID", None):
            raise TypeError(f"ModuleSaver needs an instance of a @module class, got {module!r}")
        if not isinstance(model_path, (str, os.PathLike)):
            raise TypeError(f"model_path must be a path, got {model_path!r}")
        self.module = module
        self.model_path = os.path.normpath(os.fspath(model_path))
        module_class = type(module)
        created = module.metadata.get("created") or datetime.datetime.now()
        self.config: Dict[str, Any] = {
            "module_id": module_class.MODULE_ID,
            "module_class": module_class.MODULE_CLASS,
            "name": module_class.MODULE_NAME,
            "version": module_class.MODULE_VERSION,
            "created": str(created),
            "saved": None,
            "tracking_id": str(uuid.uuid4()),
        }
        library, version = _library_version(module_class)
        if library:
            self.config[f"{library}_version"] = version

    # -- context ----------------------------------------------------------------------------

    def __enter__(self) -> ModuleSaver:
        os.makedirs(self.model_path, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.config["saved"] = str(datetime.datetime.now())
            write_yaml(os.path.join(self.model_path, CONFIG_FILE_NAME), to_yaml_safe(self.config))

    # -- content ----------------------------------------------------------------------------

    def update_config(self, additional_config: Mapping[str, Any]) -> None:
        """Add keys to ``config.yml``.

        Values are converted to YAML-safe data right away (sets and tuples become lists), so
        an unsupported value fails here, naming its key.

        Args:
            additional_config: keys and values to add

        Raises:
            TypeError: not a mapping, or a value has no YAML form
            ValueError: tries to change ``module_id`` or ``module_class``
        """
        if not isinstance(additional_config, Mapping):
            raise TypeError(f"update_config needs a mapping, got {additional_config!r}")
        for key in _OWNED_KEYS:
            if key in additional_config and additional_config[key] != self.config[key]:
                raise ValueError(
                    f"{key!r} is set by ModuleSaver ({self.config[key]!r}); cannot change it to "
                    f"{additional_config[key]!r}"
                )
        converted = to_yaml_safe(dict(additional_config), "config")
        self.config.update(converted)

    def add_dir(self, relative_path: str, base_relative_path: str = "") -> Tuple[str, str]:
        """Create a directory inside the model directory.

        Returns:
            ``(path relative to the model directory, absolute path)``

        Raises:
            ValueError: the path would leave the model directory
        """
        relative = os.path.normpath(os.path.join(base_relative_path, relative_path))
        absolute = self._inside(relative)
        os.makedirs(absolute, exist_ok=True)
        return relative, absolute

    def copy_file(self, file_path: Union[str, os.PathLike], relative_path: str = "") -> Tuple[str, str]:
        """Copy ``file_path`` into the model directory (under ``relative_path``).

        Returns:
            ``(path relative to the model directory, absolute path)`` of the copy

        Raises:
            FileNotFoundError: ``file_path`` does not exist
            ValueError: the destination would leave the model directory
        """
        source = os.fspath(file_path)
        if not os.path.isfile(source):
            raise FileNotFoundError(f"Cannot copy {source!r} into the model: no such file")
        relative_dir, absolute_dir = self.add_dir(relative_path) if relative_path else ("", self.model_path)
        name = os.path.basename(source)
        destination = os.path.join(absolute_dir, name)
        shutil.copyfile(source, destination)
        return os.path.join(relative_dir, name), destination

    def save_module(self, module: Any, relative_path: str) -> Tuple[str, str]:
        """Save a nested module into a sub-directory with its own ``save``.

        Returns:
            ``(path relative to the model directory, absolute path)``
        """
        relative, absolute = self.add_dir(relative_path)
        module.save(absolute)
        return relative, absolute

    def save_module_list(
        self, modules: Union[Mapping[str, Any], Iterable[Any]], config_key: str
    ) -> Dict[str, str]:
        """Save several nested modules and record where under ``config_key``.

        Args:
            modules: name -> module, or a list (saved as ``<config_key>_<index>``)
            config_key: the config key that receives name -> relative path

        Returns:
            name -> relative path
        """
        if not isinstance(modules, Mapping):
            modules = {f"{config_key}_{index}": module for index, module in enumerate(modules)}
        paths = {name: self.save_module(module, name)[0] for name, module in modules.items()}
        self.update_config({config_key: paths})
        return paths

    def _inside(self, relative: str) -> str:
        root = os.path.abspath(self.model_path)
        absolute = os.path.abspath(os.path.join(root, relative))
        if os.path.isabs(relative) or os.path.commonpath([root, absolute]) != root:
            raise ValueError(f"{relative!r} is not inside the model directory {self.model_path!r}")
        return absolute


def _library_version(module_class: type) -> Tuple[Optional[str], Optional[str]]:
    library = module_class.__module__.split(".")[0]
    if library in ("__main__", "__mp_main__") or not library:
        return None, None
    try:
        from importlib.metadata import PackageNotFoundError, packages_distributions, version
    except ImportError:  # pragma: no cover
        return library, "0.0.0"
    try:
        return library, version(library)
    except PackageNotFoundError:
        pass
    for dist in packages_distributions().get(library, []):
        try:
            return library, version(dist)
        except PackageNotFoundError:
            continue
    return library, "0.0.0"
