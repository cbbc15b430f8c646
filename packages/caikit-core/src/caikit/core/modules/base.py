"""ModuleBase: the base class of every model algorithm (train, save, load, run).

Subclasses are decorated with :func:`caikit.core.module`, which fills in the class attributes
below, checks the inference methods against the module's tasks and registers the class so
that ``caikit.load`` finds it by ``module_id``.

Introspection for the runtime and caikit-compose (all computed once, at decoration):

* ``Module.tasks`` -- the task classes, in the order given to ``@module``.
* ``Module._TASK_INFERENCE_SIGNATURES`` -- ``{task: [(input_streaming, output_streaming,
  CaikitMethodSignature), ...]}``, one entry per implemented flavour.
* ``Module.get_inference_signature(input_streaming, output_streaming, task=None)``.
* ``Module.RUN_SIGNATURE`` / ``Module.TRAIN_SIGNATURE`` -- signatures of ``run`` and ``train``.
"""
from __future__ import annotations

import datetime
from typing import Any, ClassVar, Dict, List, Optional, Tuple

__all__ = ["ModuleBase"]


class _ClassProperty:
    """A read-only property evaluated on the class (and on instances)."""

    def __init__(self, getter):
        self._getter = getter
        self.__doc__ = getter.__doc__

    def __get__(self, instance, owner):
        return self._getter(owner)


class ModuleBase:
    """Base class for modules: a trainable, savable, loadable, runnable model algorithm.

    Class attributes set by ``@module``:
        MODULE_ID: the unique id written to ``config.yml`` and used to load it back
        MODULE_NAME: human-readable name
        MODULE_VERSION: the module's version
        MODULE_CLASS: ``<python module>.<class qualname>``
        BACKEND_TYPE: the backend the module runs on (``"LOCAL"``)
        RUN_SIGNATURE, TRAIN_SIGNATURE: :class:`CaikitMethodSignature` of ``run``/``train``
    """

    MODULE_ID: ClassVar[Optional[str]] = None
    MODULE_NAME: ClassVar[Optional[str]] = None
    MODULE_VERSION: ClassVar[Optional[str]] = None
    MODULE_CLASS: ClassVar[Optional[str]] = None
    BACKEND_TYPE: ClassVar[str] = "LOCAL"
    BASE_MODULE: ClassVar[Optional[type]] = None
    RUN_SIGNATURE: ClassVar[Any] = None
    TRAIN_SIGNATURE: ClassVar[Any] = None
    _TASK_CLASSES: ClassVar[List[type]] = []
    _TASK_INFERENCE_SIGNATURES: ClassVar[Dict[type, List[Tuple[bool, bool, Any]]]] = {}

    def __new__(cls, *args: Any, **kwargs: Any):
        # Stamped here rather than in __init__ because subclasses need not call super().__init__().
        parent_new = super().__new__
        instance = parent_new(cls) if parent_new is object.__new__ else parent_new(cls, *args, **kwargs)
        instance.__dict__.setdefault("_caikit_metadata", {"created": datetime.datetime.now()})
        return instance

    # -- metadata ---------------------------------------------------------------------------

    @property
    def metadata(self) -> Dict[str, Any]:
        """Metadata of this instance (``created``: when it was constructed)."""
        return self.__dict__.setdefault("_caikit_metadata", {})

    @_ClassProperty
    def tasks(cls) -> List[type]:
        """The task classes this module implements, in declaration order."""
        return list(cls._TASK_CLASSES)

    # -- the four verbs ---------------------------------------------------------------------

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run inference. Modules implement it (it is their task's default unary method).

        Raises:
            NotImplementedError: the module does not implement ``run``
        """
        raise NotImplementedError(f"{type(self).__qualname__} does not implement run()")

    @classmethod
    def train(cls, *args: Any, **kwargs: Any) -> ModuleBase:
        """Create a trained instance. Modules that can be trained implement it.

        Raises:
            NotImplementedError: the module cannot be trained
        """
        raise NotImplementedError(f"{cls.__qualname__} does not implement train()")

    def save(self, model_path: str, *args: Any, **kwargs: Any) -> None:
        """Write the model to ``model_path`` (use :class:`ModuleSaver`).

        Raises:
            NotImplementedError: the module cannot be saved
        """
        raise NotImplementedError(f"{type(self).__qualname__} does not implement save()")

    @classmethod
    def load(cls, model_path: Any, *args: Any, **kwargs: Any) -> ModuleBase:
        """Read a model saved by :meth:`save`; ``model_path`` is a directory or a ModuleConfig.

        Raises:
            NotImplementedError: the module cannot be loaded
        """
        raise NotImplementedError(f"{cls.__qualname__} does not implement load()")

    # -- introspection ----------------------------------------------------------------------

    @classmethod
    def get_inference_signatures(cls, task: Optional[type] = None) -> List[Tuple[bool, bool, Any]]:
        """Every implemented flavour of ``task`` (default: the first task).

        Returns:
            ``[(input_streaming, output_streaming, CaikitMethodSignature), ...]``; empty for a
            module without tasks

        Raises:
            ValueError: ``task`` is not one of the module's tasks
        """
        task = cls._resolve_task(task)
        if task is None:
            return []
        return list(cls._TASK_INFERENCE_SIGNATURES.get(task, []))

    @classmethod
    def get_inference_signature(
        cls, input_streaming: bool = False, output_streaming: bool = False, task: Optional[type] = None
    ) -> Optional[Any]:
        """The signature of the method implementing one flavour of ``task``.

        Args:
            input_streaming: the flavour takes streamed inputs
            output_streaming: the flavour returns a stream
            task: one of the module's tasks (default: the first)

        Returns:
            the :class:`CaikitMethodSignature`, or None if the module does not implement it

        Raises:
            ValueError: ``task`` is not one of the module's tasks
        """
        for in_stream, out_stream, signature in cls.get_inference_signatures(task):
            if in_stream == bool(input_streaming) and out_stream == bool(output_streaming):
                return signature
        return None

    @classmethod
    def _resolve_task(cls, task: Optional[type]) -> Optional[type]:
        if task is None:
            return cls._TASK_CLASSES[0] if cls._TASK_CLASSES else None
        if task not in cls._TASK_CLASSES:
            raise ValueError(
                f"{cls.__qualname__} does not implement task {getattr(task, '__qualname__', task)!r}; "
                f"its tasks are {[t.__qualname__ for t in cls._TASK_CLASSES]}"
            )
        return task
