"""``TIMED``: load models with another initializer and record how long each load took.

Config (``model_management.initializers.<name>``)::

    type: TIMED
    config:
      delegate: {type: LOCAL, config: {}}   # the initializer that really loads (default LOCAL)

It shows the usual shape of an initializer that adds behaviour: build the delegate with the
same factory caikit uses, and wrap its ``init``.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional

from caikit.core.model_management import ModelInitializerBase, model_initializer_factory
from caikit.core.modules import ModuleBase, ModuleConfig

__all__ = ["TimedModelInitializer"]


class TimedModelInitializer(ModelInitializerBase):
    """Delegates loading and keeps ``load_seconds[module_id]`` (the last load of each)."""

    name = "TIMED"

    def __init__(self, config: Any, instance_name: str):
        super().__init__(config, instance_name)
        delegate = (config or {}).get("delegate") or {"type": "LOCAL"}
        self._delegate = model_initializer_factory.construct(delegate, f"{instance_name}.delegate")
        self.load_seconds: Dict[str, float] = {}

    def init(self, model_config: ModuleConfig, **kwargs: Any) -> Optional[ModuleBase]:
        started = time.perf_counter()
        model = self._delegate.init(model_config, **kwargs)
        self.load_seconds[str(model_config.get("module_id"))] = time.perf_counter() - started
        return model
