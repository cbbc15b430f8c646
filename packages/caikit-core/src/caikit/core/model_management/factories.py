"""The factories that build model trainers, finders and initializers from config.

Implementations are entry points (the entry-point name is the ``type:`` in config)::

    [project.entry-points."caikit.model_finders"]
    MYFINDER = "my_pkg.finders:MyFinder"

    # config
    model_management:
      finders:
        default:
          type: MYFINDER
          config: {...}

Built-ins (LOCAL trainer, LOCAL and MULTI finders, LOCAL initializer) are declared the same
way in caikit-core's ``pyproject.toml``.
"""
from __future__ import annotations

from ..toolkit.factory import ImportableFactory

__all__ = [
    "FINDERS_GROUP",
    "INITIALIZERS_GROUP",
    "TRAINERS_GROUP",
    "model_finder_factory",
    "model_initializer_factory",
    "model_trainer_factory",
]

TRAINERS_GROUP = "caikit.model_trainers"
FINDERS_GROUP = "caikit.model_finders"
INITIALIZERS_GROUP = "caikit.model_initializers"

_REMOTE_HINT = {"REMOTE": 'The REMOTE implementation comes with the runtime: pip install "caikit[runtime-grpc]".'}

model_trainer_factory = ImportableFactory("ModelTrainer", entry_point_group=TRAINERS_GROUP)
model_finder_factory = ImportableFactory("ModelFinder", entry_point_group=FINDERS_GROUP, hints=_REMOTE_HINT)
model_initializer_factory = ImportableFactory(
    "ModelInitializer", entry_point_group=INITIALIZERS_GROUP, hints=_REMOTE_HINT
)
