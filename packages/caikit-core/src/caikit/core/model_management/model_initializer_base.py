"""ModelInitializerBase: turn a ModuleConfig into a runnable module instance.

Configured under ``model_management.initializers.<name>: {type: <entry point>, config: {...}}``.
"""
from __future__ import annotations

import abc
from typing import Any, Optional

from ..modules.base import ModuleBase
from ..modules.config import ModuleConfig
from ..toolkit.factory import FactoryConstructible

__all__ = ["ModelInitializerBase"]


class ModelInitializerBase(FactoryConstructible):
    """Base class of initializers.

    Subclasses set ``name`` (their entry-point name) and implement :meth:`init`.
    """

    def __init__(self, config: Any, instance_name: str):
        """
        Args:
            config: the ``config`` section of the initializer's config blob
            instance_name: the name the initializer is configured under
        """
        self._config = config
        self._instance_name = instance_name

    @property
    def instance_name(self) -> str:
        """The name this initializer is configured under."""
        return self._instance_name

    @abc.abstractmethod
    def init(self, model_config: ModuleConfig, **kwargs: Any) -> Optional[ModuleBase]:
        """Create the module instance described by ``model_config``.

        Args:
            model_config: what a finder returned
            **kwargs: passed on to the module's ``load``

        Returns:
            the loaded module, or None when this initializer cannot load it
        """
