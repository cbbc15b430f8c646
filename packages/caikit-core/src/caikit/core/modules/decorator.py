"""The ``@module`` decorator."""
from __future__ import annotations

import inspect
from typing import Any, Callable, List, Optional, Sequence, Type, Union

from .. import registries
from ..signature_parsing import CaikitMethodSignature
from ._inference import check_tasks, collect_inference_signatures
from .base import ModuleBase

__all__ = ["LOCAL_BACKEND", "module"]

LOCAL_BACKEND = "LOCAL"


def module(
    id: Optional[str] = None,
    name: Optional[str] = None,
    version: Optional[str] = None,
    task: Optional[type] = None,
    tasks: Optional[Sequence[type]] = None,
    backend_type: str = LOCAL_BACKEND,
    base_module: Optional[Union[str, Type[ModuleBase]]] = None,
    backend_config_override: Optional[dict] = None,
) -> Callable[[Type[ModuleBase]], Type[ModuleBase]]:
    """Declare a module class: its identity, its tasks and its backend.

    Example::

        @module("0f148161-90fc-4275-b6b5-6cbdf9826af6", "NameFinder", "1.0.0")
        class NameFinder(ModuleBase): ...

        @module(id="greeter", name="Sample Greeter", version="0.0.0", task=GreetingTask)
        class GreeterModule(ModuleBase): ...

    At decoration time the class gets ``MODULE_ID``, ``MODULE_NAME``, ``MODULE_VERSION``,
    ``MODULE_CLASS``, ``BACKEND_TYPE``, its tasks, ``RUN_SIGNATURE``, ``TRAIN_SIGNATURE`` and
    ``_TASK_INFERENCE_SIGNATURES``; its inference methods are checked against its tasks; and
    it is registered by id (see :mod:`caikit.core.registries`).

    Args:
        id: the unique module id (written to ``config.yml``)
        name: a human-readable name
        version: the module's version
        task: the task the module implements
        tasks: several tasks (the first is the "primary" one the runtime names training after)
        backend_type: the backend the implementation runs on
        base_module: for a non-LOCAL backend implementation, the module (class or id) it
            implements; id, name, version and tasks default to the base's
        backend_config_override: backend configuration kept with the registration

    Returns:
        the class decorator

    Raises:
        TypeError: not a ModuleBase subclass, a missing id/name/version, ``task`` and
            ``tasks`` both given, or a task that is not a ``@task``
        TaskSignatureError (a TypeError): an inference method does not fit its task
        DuplicateModuleIdError (a ValueError): another class already has this id
        LookupError: ``base_module`` names an unknown module id
    """
    if task is not None and tasks is not None:
        raise TypeError("@module takes task= or tasks=, not both")

    def decorator(cls: Type[ModuleBase]) -> Type[ModuleBase]:
        if not (inspect.isclass(cls) and issubclass(cls, ModuleBase)):
            raise TypeError(f"@module decorates subclasses of ModuleBase, not {cls!r}")
        base: Any = _resolve_base(base_module)
        module_id: Any = id if id is not None else getattr(base, "MODULE_ID", None)
        module_name = name if name is not None else getattr(base, "MODULE_NAME", None)
        module_version = version if version is not None else getattr(base, "MODULE_VERSION", None)
        for label, value in (("id", module_id), ("name", module_name), ("version", module_version)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"@module on {cls.__qualname__} needs a non-empty string {label}, got {value!r}")
        if not isinstance(backend_type, str) or not backend_type:
            raise TypeError(f"backend_type must be a non-empty string, got {backend_type!r}")

        if tasks is not None:
            task_list: List[type] = list(tasks)
        elif task is not None:
            task_list = [task]
        elif base is not None:
            task_list = list(base._TASK_CLASSES)
        else:
            task_list = list(getattr(cls, "_TASK_CLASSES", []))
        check_tasks(task_list)
        if len(set(task_list)) != len(task_list):
            raise TypeError(f"@module on {cls.__qualname__} lists a task twice: {task_list!r}")

        # Everything is computed before anything is set or registered, so a class that fails
        # validation leaves no trace.
        signatures = collect_inference_signatures(cls, task_list)
        run_signature = CaikitMethodSignature(cls, "run")
        train_signature = CaikitMethodSignature(cls, "train")

        cls.MODULE_ID = module_id
        cls.MODULE_NAME = module_name
        cls.MODULE_VERSION = module_version
        cls.MODULE_CLASS = f"{cls.__module__}.{cls.__qualname__}"
        cls.BACKEND_TYPE = backend_type
        cls._TASK_CLASSES = task_list
        cls._TASK_INFERENCE_SIGNATURES = signatures
        cls.RUN_SIGNATURE = run_signature
        cls.TRAIN_SIGNATURE = train_signature
        cls.BASE_MODULE = base

        if base is None and backend_type == LOCAL_BACKEND:
            registries.register_module(module_id, cls)
        registries.register_module_backend(module_id, backend_type, cls, backend_config_override)
        return cls

    return decorator


def _resolve_base(base_module: Optional[Union[str, type]]) -> Optional[type]:
    if base_module is None:
        return None
    if isinstance(base_module, str):
        found = registries.module_registry().get(base_module)
        if found is None:
            raise LookupError(f"base_module {base_module!r} is not a registered module id")
        return found
    if inspect.isclass(base_module) and issubclass(base_module, ModuleBase) and getattr(base_module, "MODULE_ID", None):
        return base_module
    raise TypeError(f"base_module must be a @module class or a module id, got {base_module!r}")
