"""ModelManager: train, find and load models through the configured model-management parts.

``caikit.train`` and ``caikit.load`` are the methods of the process-wide :data:`MODEL_MANAGER`::

    future = caikit.train(GreeterModule, greeting_prefix="Hi", save_path="models/greeter")
    future.wait()
    model = caikit.load("models/greeter")

Trainers, finders and initializers are built on first use from
``model_management.{trainers,finders,initializers}.<name>`` (``{type, config}``, ``type`` being
an entry-point name) and cached per name; a changed config blob builds a new instance.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Dict, Optional, Tuple, Type, Union

from .model_management._archives import is_archive, unpacked_model
from .model_management._training_ids import trainer_name_from_id
from .model_management.factories import (
    model_finder_factory,
    model_initializer_factory,
    model_trainer_factory,
)
from .model_management.model_finder_base import ModelFinderBase, ModelNotFoundError
from .model_management.model_initializer_base import ModelInitializerBase
from .model_management.model_trainer_base import (
    ModelFutureBase,
    ModelTrainerBase,
    UnknownTrainingError,
)
from .modules.base import ModuleBase
from .modules.config import ModuleConfig
from .registries import module_registry

__all__ = [
    "MODEL_MANAGER",
    "ModelLoadError",
    "ModelManager",
    "UnknownComponentError",
    "get_model_future",
    "load",
    "train",
]

DEFAULT = "default"

_KINDS = {
    "trainer": ("trainers", model_trainer_factory, ModelTrainerBase),
    "finder": ("finders", model_finder_factory, ModelFinderBase),
    "initializer": ("initializers", model_initializer_factory, ModelInitializerBase),
}


class UnknownComponentError(LookupError):
    """A trainer, finder or initializer name that is not configured."""

    def __init__(self, kind: str, name: Any, configured: list):
        section = _KINDS[kind][0]
        super().__init__(
            f"No {kind} named {name!r} is configured: add model_management.{section}.{name} "
            f"with a type and config. Configured: {', '.join(configured) or 'none'}"
        )
        self.kind = kind
        self.name = name
        self.configured = configured


class ModelLoadError(ValueError):
    """The initializer found no way to load a model that was found."""


class ModelManager:
    """Trains, finds and loads models with named, configured components."""

    def __init__(self):
        self._lock = threading.RLock()
        # (kind, name) -> (config fingerprint, instance)
        self._components: Dict[Tuple[str, str], Tuple[str, Any]] = {}
        self._singletons: Dict[str, ModuleBase] = {}

    # -- components -------------------------------------------------------------------------

    def get_trainer(self, name: Union[str, ModelTrainerBase] = DEFAULT) -> ModelTrainerBase:
        """The trainer configured as ``model_management.trainers.<name>`` (or ``name`` itself if
        it is already a trainer).

        Raises:
            UnknownComponentError (a LookupError): not configured
            UnknownTypeError / PluginNotFoundError (LookupErrors): its type is not installed
        """
        return self._component("trainer", name)

    def get_finder(self, name: Union[str, ModelFinderBase] = DEFAULT) -> ModelFinderBase:
        """The finder configured as ``model_management.finders.<name>`` (see get_trainer)."""
        return self._component("finder", name)

    def get_initializer(self, name: Union[str, ModelInitializerBase] = DEFAULT) -> ModelInitializerBase:
        """The initializer configured as ``model_management.initializers.<name>``."""
        return self._component("initializer", name)

    def _component(self, kind: str, name: Any) -> Any:
        section, factory, base = _KINDS[kind]
        if isinstance(name, base):
            return name
        if not isinstance(name, str):
            raise TypeError(f"A {kind} is given by its configured name or as an instance, got {name!r}")
        from ..config import get_config

        configured = ((get_config().get("model_management") or {}).get(section)) or {}
        blob = configured.get(name)
        if blob is None:
            raise UnknownComponentError(kind, name, sorted(configured))
        fingerprint = json.dumps(blob, sort_keys=True, default=str)
        with self._lock:
            cached = self._components.get((kind, name))
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            instance = factory.construct(blob, name)
            self._components[(kind, name)] = (fingerprint, instance)
            return instance

    def reset(self) -> None:
        """Forget every built component and cached singleton (tests; after reconfiguring)."""
        with self._lock:
            self._components.clear()
            self._singletons.clear()

    # -- training ---------------------------------------------------------------------------

    def train(
        self,
        module: Union[str, Type[ModuleBase]],
        *args: Any,
        save_path: Optional[str] = None,
        save_with_id: bool = False,
        trainer: Union[str, ModelTrainerBase] = DEFAULT,
        wait: bool = False,
        external_training_id: Optional[str] = None,
        model_name: Optional[str] = None,
        **kwargs: Any,
    ) -> ModelFutureBase:
        """Start training ``module`` with ``module.train(*args, **kwargs)``.

        Args:
            module: a ``@module`` class, or its module id
            save_path: where to save the trained model (None: keep it in memory)
            save_with_id: save under ``<save_path>/<training id>/...``
            trainer: the configured trainer name, or a trainer instance
            wait: block until the training finished before returning
            external_training_id: use this training id instead of a generated one
            model_name: appended to ``save_path`` unless it already ends with it
            *args, **kwargs: the module's ``train`` arguments

        Returns:
            the training's future (``id``, ``status``, ``wait()``, ``cancel()``, ``load()``)

        Raises:
            LookupError: unknown module id or trainer name
            TypeError: ``module`` is not a module class
        """
        module_class = self._module_class(module)
        future = self.get_trainer(trainer).train(
            module_class,
            *args,
            save_path=save_path,
            save_with_id=save_with_id,
            external_training_id=external_training_id,
            model_name=model_name,
            **kwargs,
        )
        if wait:
            future.wait()
        return future

    def get_model_future(
        self, training_id: str, trainer: Optional[Union[str, ModelTrainerBase]] = None
    ) -> ModelFutureBase:
        """The future of a training, from the trainer encoded in its id (or ``trainer``, or
        the default trainer for ids given from outside).

        Raises:
            UnknownTrainingError (NOT_FOUND; a LookupError): no such training
        """
        if trainer is None:
            encoded = trainer_name_from_id(training_id)
            trainer = DEFAULT if encoded is None else encoded
        try:
            owner = self.get_trainer(trainer)
        except UnknownComponentError:
            raise UnknownTrainingError(training_id) from None
        return owner.get_model_future(training_id)

    @staticmethod
    def _module_class(module: Union[str, Type[ModuleBase]]) -> Type[ModuleBase]:
        if isinstance(module, str):
            found = module_registry().get(module)
            if found is None:
                raise LookupError(f"No module with id {module!r} is registered")
            return found
        if isinstance(module, type) and issubclass(module, ModuleBase) and getattr(module, "MODULE_ID", None):
            return module
        raise TypeError(f"train() needs a @module class or a module id, got {module!r}")

    # -- loading ----------------------------------------------------------------------------

    def load(
        self,
        module_path: Union[str, os.PathLike, bytes, Any, ModuleConfig],
        *,
        load_singleton: bool = False,
        finder: Union[str, ModelFinderBase] = DEFAULT,
        initializer: Union[str, ModelInitializerBase] = DEFAULT,
        **kwargs: Any,
    ) -> ModuleBase:
        """Load a model: the finder locates it, the initializer builds the module instance.

        Args:
            module_path: a model directory, a zip file (path, bytes or binary file object), or
                an already found ModuleConfig (the finder is skipped)
            load_singleton: return the instance loaded earlier from the same path, if any
            finder: the configured finder name, or a finder instance
            initializer: the configured initializer name, or an initializer instance
            **kwargs: passed to the module's ``load``

        Returns:
            the loaded module

        Raises:
            FileNotFoundError: the finder found nothing (e.g. "Module load path `x` does not
                contain a `config.yml` file.")
            LookupError: the model's module id is not registered (import its library first),
                or an unknown finder/initializer name
            ValueError: an unusable config or archive
        """
        key = None
        if load_singleton and isinstance(module_path, (str, os.PathLike)):
            key = os.path.realpath(os.fspath(module_path))
            with self._lock:
                if key in self._singletons:
                    return self._singletons[key]
        if isinstance(module_path, ModuleConfig):
            model = self._initialize(module_path, initializer, kwargs)
        elif is_archive(module_path):
            with unpacked_model(module_path) as model_dir:
                model = self._find_and_initialize(model_dir, finder, initializer, kwargs)
        else:
            model = self._find_and_initialize(module_path, finder, initializer, kwargs)
        if key is not None:
            with self._lock:
                model = self._singletons.setdefault(key, model)
        return model

    def find_model(self, module_path: Union[str, os.PathLike], finder: Union[str, ModelFinderBase] = DEFAULT) -> ModuleConfig:
        """What the finder says about ``module_path``, without loading it.

        Raises:
            ModelNotFoundError (a FileNotFoundError): the finder returned nothing
        """
        found = self.get_finder(finder).find_model(module_path)
        if found is None:
            raise ModelNotFoundError(module_path)
        return found

    def _find_and_initialize(self, path: Any, finder: Any, initializer: Any, kwargs: Dict[str, Any]) -> ModuleBase:
        return self._initialize(self.find_model(path, finder), initializer, kwargs)

    def _initialize(self, config: ModuleConfig, initializer: Any, kwargs: Dict[str, Any]) -> ModuleBase:
        chosen = self.get_initializer(initializer)
        model = chosen.init(config, **kwargs)
        if model is None:
            raise ModelLoadError(
                f"Initializer {chosen.instance_name!r} ({chosen.name}) could not load the model "
                f"at {config.model_path!r} (module_id {config.get('module_id')!r})"
            )
        return model

    def clear_singleton_cache(self) -> None:
        """Forget models loaded with ``load_singleton=True``."""
        with self._lock:
            self._singletons.clear()


#: The process-wide model manager behind ``caikit.train`` and ``caikit.load``.
MODEL_MANAGER = ModelManager()

train = MODEL_MANAGER.train
load = MODEL_MANAGER.load
get_model_future = MODEL_MANAGER.get_model_future
