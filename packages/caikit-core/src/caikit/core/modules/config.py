"""ModuleConfig: the parsed ``config.yml`` of a saved model.

The on-disk format is caikit 0.29.1's: a directory holding ``config.yml`` (a YAML mapping with
at least ``module_id``; ``ModuleSaver`` also writes ``module_class``, ``name``, ``version``,
``created``, ``saved``, ``tracking_id`` and ``<library>_version``, plus the module's own keys)
next to the model's artifacts.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Mapping, Optional, Union

import aconfig
import yaml

__all__ = ["CONFIG_FILE_NAME", "InvalidModelConfigError", "ModelConfigNotFoundError", "ModuleConfig"]

CONFIG_FILE_NAME = "config.yml"
_RESERVED = ("model_path",)


class ModelConfigNotFoundError(FileNotFoundError):
    """A model path does not exist or holds no ``config.yml``."""

    def __init__(self, message: str, model_path: str):
        super().__init__(message)
        self.model_path = model_path


class InvalidModelConfigError(ValueError):
    """A ``config.yml`` exists but is not a usable model config."""

    def __init__(self, message: str, model_path: str):
        super().__init__(message)
        self.model_path = model_path


class ModuleConfig(aconfig.Config):
    """A model's config: a dict with attribute access (a missing key reads as None).

    ``model_path`` is not a key: it is the directory the config was loaded from (None for a
    config built in memory). ``os.fspath(config)`` gives it too, so code written for
    ``load(model_path: str)`` keeps working when handed the config itself.
    """

    def __init__(self, config_dict: Mapping[str, Any], model_path: Optional[str] = None):
        """
        Args:
            config_dict: the config's content
            model_path: the directory holding the model's artifacts

        Raises:
            TypeError: ``config_dict`` is not a mapping
            ValueError: ``config_dict`` uses the reserved key ``model_path``
        """
        if not isinstance(config_dict, Mapping):
            raise TypeError(f"ModuleConfig needs a mapping, got {config_dict!r}")
        for key in _RESERVED:
            if key in config_dict:
                raise ValueError(f"{key!r} is reserved in a module config; got {key}={config_dict[key]!r}")
        super().__init__(dict(config_dict), override_env_vars=False)
        object.__setattr__(self, "_model_path", os.fspath(model_path) if model_path is not None else None)

    # model_path lives outside the dict so it is never written back to config.yml
    @property
    def model_path(self) -> Optional[str]:
        """The directory the config was loaded from, or None."""
        return self.__dict__.get("_model_path")

    @model_path.setter
    def model_path(self, value: Optional[Union[str, os.PathLike]]) -> None:
        self.__dict__["_model_path"] = os.fspath(value) if value is not None else None

    def __setattr__(self, key: str, value: Any) -> None:
        if key in _RESERVED:
            object.__setattr__(self, key, value)
        else:
            super().__setattr__(key, value)

    def __fspath__(self) -> str:
        if self.model_path is None:
            raise TypeError("This ModuleConfig was not loaded from disk: it has no model_path")
        return self.model_path

    def __deepcopy__(self, memo) -> ModuleConfig:
        return type(self)(copy.deepcopy(dict(self), memo), self.model_path)

    def __reduce__(self):
        return (type(self), (dict(self), self.model_path))

    def __repr__(self) -> str:
        return f"ModuleConfig({dict(self)!r}, model_path={self.model_path!r})"

    # -- disk -------------------------------------------------------------------------------

    @classmethod
    def load(cls, model_path: Union[str, os.PathLike, ModuleConfig]) -> ModuleConfig:
        """Read ``<model_path>/config.yml`` (or the YAML file ``model_path`` itself).

        Args:
            model_path: a model directory, or its config file

        Returns:
            the config, with ``model_path`` set to the model directory

        Raises:
            ModelConfigNotFoundError (a FileNotFoundError): the path does not exist or the
                directory has no ``config.yml``
            InvalidModelConfigError (a ValueError): the file is not YAML, not a mapping, or has
                no ``module_id``
        """
        if isinstance(model_path, ModuleConfig):
            return model_path
        path = os.fspath(model_path)
        if os.path.isdir(path):
            config_file = os.path.join(path, CONFIG_FILE_NAME)
            if not os.path.isfile(config_file):
                raise ModelConfigNotFoundError(
                    f"Module load path `{path}` does not contain a `{CONFIG_FILE_NAME}` file.", path
                )
            model_dir = path
        elif os.path.isfile(path) and path.endswith((".yml", ".yaml")):
            config_file, model_dir = path, os.path.dirname(path) or "."
        elif os.path.exists(path):
            raise ModelConfigNotFoundError(
                f"Module load path `{path}` is neither a model directory nor a config file.", path
            )
        else:
            raise ModelConfigNotFoundError(f"Module load path `{path}` does not exist.", path)
        try:
            with open(config_file, encoding="utf-8") as handle:
                content = yaml.safe_load(handle)
        except yaml.YAMLError as err:
            raise InvalidModelConfigError(f"`{config_file}` is not valid YAML: {err}", path) from err
        if not isinstance(content, dict):
            raise InvalidModelConfigError(
                f"`{config_file}` must hold a YAML mapping, got {content!r}", path
            )
        if not content.get("module_id"):
            raise InvalidModelConfigError(
                f"`{config_file}` has no `module_id`: it was not written by ModuleSaver", path
            )
        content.pop("model_path", None)  # reserved; never meaningful on disk
        return cls(content, model_dir)

    def save(self, model_path: Union[str, os.PathLike]) -> str:
        """Write the config as ``<model_path>/config.yml`` (creating the directory).

        Returns:
            the path of the written file
        """
        from ._yaml_safe import to_yaml_safe

        directory = os.fspath(model_path)
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, CONFIG_FILE_NAME)
        write_yaml(target, to_yaml_safe(_plain(self)))
        return target


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def write_yaml(target: str, content: Mapping[str, Any]) -> None:
    """Write ``content`` to ``target`` atomically (a reader never sees half a file)."""
    tmp = f"{target}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        yaml.safe_dump(dict(content), handle, default_flow_style=False, sort_keys=False, allow_unicode=True)
    os.replace(tmp, target)
