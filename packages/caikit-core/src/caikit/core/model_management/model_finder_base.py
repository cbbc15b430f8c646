"""ModelFinderBase: locate a model's artifacts and describe them as a ModuleConfig.

Configured under ``model_management.finders.<name>: {type: <entry point>, config: {...}}``.
"""
from __future__ import annotations

import abc
from typing import Any, List, Optional

from ..modules.config import ModuleConfig
from ..toolkit.factory import FactoryConstructible

__all__ = ["ModelFinderBase", "ModelNotFoundError"]


class ModelNotFoundError(FileNotFoundError):
    """No finder could locate the model.

    Attributes:
        model_path: what was looked for
        reasons: why each finder failed
    """

    def __init__(self, model_path: Any, reasons: Optional[List[str]] = None):
        reasons = list(reasons or [])
        detail = "; ".join(reasons) if reasons else "the finder returned nothing"
        super().__init__(f"Could not find a model at {model_path!r}: {detail}")
        self.model_path = model_path
        self.reasons = reasons


class ModelFinderBase(FactoryConstructible):
    """Base class of finders.

    Subclasses set ``name`` (their entry-point name) and implement :meth:`find_model`.
    """

    def __init__(self, config: Any, instance_name: str):
        """
        Args:
            config: the ``config`` section of the finder's config blob (attribute access)
            instance_name: the name the finder is configured under (e.g. ``default``)
        """
        self._config = config
        self._instance_name = instance_name

    @property
    def instance_name(self) -> str:
        """The name this finder is configured under."""
        return self._instance_name

    @abc.abstractmethod
    def find_model(self, model_path: Any, **kwargs: Any) -> Optional[ModuleConfig]:
        """Locate the model at ``model_path``.

        Args:
            model_path: where (or what) the model is
            **kwargs: finder-specific options

        Returns:
            the model's config, or None when this finder does not know the model

        Raises:
            FileNotFoundError, ValueError: the model is not there or is unusable
        """
