"""The LOCAL initializer: load a model with the ``load`` of its registered module class.

Configuration::

    model_management:
      initializers:
        default:
          type: LOCAL
          config:
            # Backends to try, in order, among the implementations registered for the model's
            # module id (@module(backend_type=..., base_module=...))
            backend_priority:
              - type: LOCAL
"""
from __future__ import annotations

import os
from typing import Any, List, Optional

from ..modules.base import ModuleBase
from ..modules.config import CONFIG_FILE_NAME, ModuleConfig
from ..registries import module_backend_registry
from .model_initializer_base import ModelInitializerBase

__all__ = ["LocalModelInitializer", "UnknownModuleError"]


class UnknownModuleError(LookupError):
    """No registered module class can load the model (its module id is unknown here)."""

    def __init__(self, module_id: Any, model_config: ModuleConfig, backends: List[str]):
        where = f" (model at {model_config.model_path!r})" if model_config.model_path else ""
        cls_hint = model_config.get("module_class")
        hint = f", saved by {cls_hint!r}" if cls_hint else ""
        super().__init__(
            f"No module with id {module_id!r} is registered for backends {backends}{where}{hint}. "
            f"Import the library that defines the module before loading the model."
        )
        self.module_id = module_id
        self.model_path = model_config.model_path


class LocalModelInitializer(ModelInitializerBase):
    """Finds the module class by ``module_id`` and calls its ``load``."""

    name = "LOCAL"

    def __init__(self, config: Any, instance_name: str):
        """
        Raises:
            ValueError: a ``backend_priority`` entry without a ``type``
        """
        super().__init__(config, instance_name)
        priority = (config or {}).get("backend_priority") or [{"type": "LOCAL"}]
        backends = []
        for index, entry in enumerate(priority):
            backend = entry.get("type") if isinstance(entry, dict) else entry
            if not isinstance(backend, str) or not backend:
                raise ValueError(
                    f"backend_priority[{index}] of initializer {instance_name!r} needs a 'type', got {entry!r}"
                )
            backends.append(backend)
        self._backends = backends

    def init(self, model_config: ModuleConfig, **kwargs: Any) -> Optional[ModuleBase]:
        """Load the model with the first backend implementation registered for its id.

        The module's ``load`` receives the model directory when it holds ``config.yml`` (as
        caikit does), otherwise the ModuleConfig itself (a config built by a custom finder).

        Raises:
            UnknownModuleError (a LookupError): no implementation of the module id is
                registered for any configured backend
            TypeError: ``load`` returned something that is not a module instance
        """
        module_id = model_config.get("module_id")
        implementations = module_backend_registry().get(module_id, {})
        for backend in self._backends:
            entry = implementations.get(backend)
            if entry is None:
                continue
            module_class: Any = entry.module_class
            model_path = model_config.model_path
            if model_path and os.path.isfile(os.path.join(model_path, CONFIG_FILE_NAME)):
                target: Any = model_path
            else:
                target = model_config
            model = module_class.load(target, **kwargs)
            if not isinstance(model, ModuleBase):
                raise TypeError(
                    f"{module_class.__qualname__}.load() must return an instance of a module, got {model!r}"
                )
            return model
        raise UnknownModuleError(module_id, model_config, self._backends)
