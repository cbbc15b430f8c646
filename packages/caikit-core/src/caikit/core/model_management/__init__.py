"""Model management: pluggable trainers, finders and initializers.

* trainers (``caikit.model_trainers``): run ``Module.train`` and follow it with a future
* finders (``caikit.model_finders``): locate a model and return its :class:`ModuleConfig`
* initializers (``caikit.model_initializers``): turn a ModuleConfig into a module instance

Each is configured under ``model_management.{trainers,finders,initializers}.<name>`` as
``{type: <entry-point name>, config: {...}}``; ``default`` is used when no name is given.
The :class:`~caikit.core.model_manager.ModelManager` ties them together.
"""
from .factories import (
    FINDERS_GROUP,
    INITIALIZERS_GROUP,
    TRAINERS_GROUP,
    model_finder_factory,
    model_initializer_factory,
    model_trainer_factory,
)
from .model_finder_base import ModelFinderBase, ModelNotFoundError
from .model_initializer_base import ModelInitializerBase
from .model_trainer_base import (
    ModelFutureBase,
    ModelTrainerBase,
    TrainingCanceledError,
    TrainingInfo,
    UnknownTrainingError,
)

__all__ = [
    "FINDERS_GROUP",
    "INITIALIZERS_GROUP",
    "TRAINERS_GROUP",
    "ModelFinderBase",
    "ModelFutureBase",
    "ModelInitializerBase",
    "ModelNotFoundError",
    "ModelTrainerBase",
    "TrainingCanceledError",
    "TrainingInfo",
    "UnknownTrainingError",
    "model_finder_factory",
    "model_initializer_factory",
    "model_trainer_factory",
]
