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

``run_batch`` runs many unary calls at once (the runtime gathers concurrent predict calls into
it when ``runtime.batching`` is on); modules that are faster on a batch override it.
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

    def run_batch(self, *args: Any, **kwargs: Any) -> List[Any]:
        """Run the module's unary inference method on a batch of inputs.

        Every positional and keyword argument is a list (or tuple) holding one value per call
        of the batch, all of the same length; item ``i`` of the batch is the call
        ``method(args[0][i], ..., name=kwargs[name][i], ...)``. This default calls the unary
        method once per item, as the class defines it (``type(self).<method>``: an instance
        attribute of the same name, such as the runtime's batcher, is never re-entered), and
        lets the first exception propagate.

        Modules that are faster on a batch (a GPU, a vectorised library) override it with the
        same contract: the same arguments, one result per item, in order. The runtime calls it
        with keyword arguments only; when it raises, the runtime runs the batch's items one by
        one so that each caller gets its own result or error (so it should have no side
        effects that matter when repeated).

        The unary method is the one the module binds to the unary flavour of its first task
        (``run`` unless ``@Task.taskmethod()`` names another).

        Returns:
            the results, one per item, in order (``[]`` for an empty batch or no arguments)

        Raises:
            TypeError: an argument is not a list or tuple
            ValueError: the arguments' lengths differ
        """
        columns = list(args) + list(kwargs.values())
        names = [f"positional argument {i}" for i in range(len(args))] + [repr(k) for k in kwargs]
        sizes = []
        for name, column in zip(names, columns):
            if not isinstance(column, (list, tuple)):
                raise TypeError(
                    f"{type(self).__qualname__}.run_batch takes one list per argument (a value per "
                    f"call of the batch); {name} is a {type(column).__name__}"
                )
            sizes.append(len(column))
        if len(set(sizes)) > 1:
            detail = ", ".join(f"{name}: {size}" for name, size in zip(names, sizes))
            raise ValueError(
                f"{type(self).__qualname__}.run_batch needs lists of one length (one value per call "
                f"of the batch); got {detail}"
            )
        method = getattr(type(self), type(self).unary_method_name())
        return [
            method(self, *[column[i] for column in args], **{k: v[i] for k, v in kwargs.items()})
            for i in range(sizes[0] if sizes else 0)
        ]

    @classmethod
    def unary_method_name(cls) -> str:
        """The name of the unary inference method of the module's first task (``run`` for a
        module without tasks, or whose first task has no unary flavour)."""
        signature = cls.get_inference_signature(False, False)
        return signature.method_name if signature is not None else "run"

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
