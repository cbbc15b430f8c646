"""The MULTI finder: ask several finders in turn; the first that finds the model wins.

Configuration::

    model_management:
      finders:
        default:
          type: MULTI
          config:
            finder_sequence:
              - local          # the name of another configured finder...
              - {type: LOCAL, config: {load_path: /models}}   # ...or an inline finder config
        local:
          type: LOCAL
"""
from __future__ import annotations

from typing import Any, List, Optional

from ..modules.config import ModuleConfig
from .model_finder_base import ModelFinderBase, ModelNotFoundError

__all__ = ["MultiModelFinder"]


class MultiModelFinder(ModelFinderBase):
    """Tries each finder of ``finder_sequence`` in order."""

    name = "MULTI"

    def __init__(self, config: Any, instance_name: str):
        """
        Raises:
            ValueError: ``finder_sequence`` is missing or empty, or names this finder itself
            TypeError: an element is neither a name nor a ``{type, config}`` mapping
        """
        super().__init__(config, instance_name)
        sequence = list((config or {}).get("finder_sequence") or [])
        if not sequence:
            raise ValueError(f"MULTI finder {instance_name!r} needs a non-empty finder_sequence")
        for element in sequence:
            if isinstance(element, str):
                if element == instance_name:
                    raise ValueError(f"MULTI finder {instance_name!r} lists itself in finder_sequence")
            elif not (isinstance(element, dict) and element.get("type")):
                raise TypeError(
                    f"finder_sequence of {instance_name!r} holds finder names or {{type, config}} "
                    f"mappings, got {element!r}"
                )
        self._sequence = sequence
        self._finders: Optional[List[ModelFinderBase]] = None

    def _resolve(self) -> List[ModelFinderBase]:
        # Resolved on first use: the named finders may be configured after this one is built.
        if self._finders is None:
            from ..model_manager import MODEL_MANAGER
            from .factories import model_finder_factory

            finders = []
            for index, element in enumerate(self._sequence):
                if isinstance(element, str):
                    finders.append(MODEL_MANAGER.get_finder(element))
                else:
                    finders.append(
                        model_finder_factory.construct(element, f"{self.instance_name}[{index}]")
                    )
            self._finders = finders
        return self._finders

    def find_model(self, model_path: Any, **kwargs: Any) -> Optional[ModuleConfig]:
        """The config from the first finder that finds the model.

        Raises:
            ModelNotFoundError (a FileNotFoundError): no finder found it; lists every reason
        """
        reasons = []
        for finder in self._resolve():
            try:
                found = finder.find_model(model_path, **kwargs)
            except Exception as err:
                reasons.append(f"{finder.instance_name} ({finder.name}): {err}")
                continue
            if found is not None:
                return found
            reasons.append(f"{finder.instance_name} ({finder.name}): not found")
        raise ModelNotFoundError(model_path, reasons)
