"""Gathering concurrent unary calls to one model into ``run_batch`` calls (``runtime.batching``).

When a model is loaded and the batching section that applies to it has ``size >= 2``,
:func:`install_batcher` puts a :class:`Batcher` on the model *instance* under the name of its
unary inference method (``model.run``, say). Both servers call ``getattr(model,
binding.method_name)(**kwargs)``, so their unary predict calls reach the batcher without a
branch of their own, and models without batching keep exactly the path they had.

A call waits in its own thread (the server's request thread) while one worker thread per model
runs the batches:

* calls are grouped by the set of their argument names (a call that passes an optional
  parameter is never in the batch of one that does not);
* a group's batch runs once ``size`` calls wait in it, or once its oldest call has waited
  ``collect_delay_s``; batches run one at a time, and calls arriving meanwhile gather for the
  next;
* the module gets one ``run_batch(**lists)`` call per batch; when it raises (or answers a list
  of the wrong length) the batch's calls run one by one through the class's unary method, so
  each caller gets its own result or its own error. A module that keeps the default
  ``run_batch`` is not batched at all: the default runs the calls one after the other, so
  batching would only serialize calls that otherwise run side by side (caikit 0.29.1 does
  serialize them);
* a caller whose request ends while it waits (gRPC cancel or deadline, HTTP disconnect, a
  cancelled prediction job: anything that cancels its
  :class:`~caikit.runtime.cancellation.CancellableWork`) leaves the queue at once and its call
  never runs; one that leaves while its batch runs just does not wait for the result;
* :meth:`Batcher.close` (unload, undeploy, manager shutdown) answers the calls still waiting
  with UNAVAILABLE, lets a running batch finish for its callers, and ends the thread.

The worker thread starts with the first call, so a model that is never called has none.
Calls with positional arguments, and calls made from inside ``run_batch`` (an override that
calls ``self.run``), run directly.
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
import types
from collections import deque
from typing import Any, Callable, Deque, Dict, FrozenSet, List, Mapping, NamedTuple, Optional, Tuple

from ..cancellation import WorkCancelled, set_waker
from ..errors import CaikitRuntimeException, StatusCode

__all__ = ["BatchSettings", "Batcher", "batch_settings", "check_batching_config", "install_batcher"]

log = logging.getLogger("caikit.runtime.batching")

_KEYS = ("size", "collect_delay_s")
_QUEUED, _RUNNING, _DONE = 0, 1, 2
_monotonic = time.monotonic


class BatchSettings(NamedTuple):
    """The batching of one model: ``size`` < 2 means none."""

    size: int
    collect_delay_s: float


def check_batching_config(batching: Optional[Mapping[str, Any]]) -> None:
    """Refuse a ``runtime.batching`` section that cannot be used.

    Raises:
        ValueError: a section that is not a mapping, an unknown key (a typo would otherwise
            be ignored silently), a size that is not a whole number >= 0, or a delay that is
            not a number >= 0
    """
    for name, section in (batching or {}).items():
        where = f"runtime.batching.{name}"
        if section is None:
            continue
        if not isinstance(section, Mapping):
            raise ValueError(f"{where} must be a mapping with size and collect_delay_s, got {section!r}")
        unknown = sorted(set(section) - set(_KEYS))
        if unknown:
            raise ValueError(f"{where} has unknown keys {unknown}; known: {list(_KEYS)}")
        size = section.get("size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ValueError(f"{where}.size must be a whole number >= 0, got {size!r}")
        delay = section.get("collect_delay_s")
        if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or not delay >= 0):
            raise ValueError(f"{where}.collect_delay_s must be a number of seconds >= 0, got {delay!r}")


def batch_settings(batching: Optional[Mapping[str, Any]], model_type: Optional[str], module_id: Optional[str]) -> BatchSettings:
    """The settings that apply to a model: the section named after its model type (ModelMesh's
    ``modelType``; ``standalone-model`` for models of ``local_models_dir``), else the one named
    after its module id, else ``default``; keys a named section lacks come from ``default``."""
    batching = batching or {}
    default = batching.get("default") or {}
    section: Mapping[str, Any] = {}
    for name in (model_type, module_id):
        if name and name != "default" and batching.get(name) is not None:
            section = batching[name]
            break
    size = section.get("size")
    delay = section.get("collect_delay_s")
    return BatchSettings(
        int(default.get("size") or 0) if size is None else int(size),
        float(default.get("collect_delay_s") or 0.0) if delay is None else float(delay),
    )


def install_batcher(
    model: Any, model_id: str, settings: BatchSettings, observe_batch: Optional[Callable[[str, int], None]] = None
) -> Optional[Batcher]:
    """Put a :class:`Batcher` on ``model`` when ``settings`` ask for batching and the model's
    unary inference method can be batched; returns it (None: the model is not batched).

    Not batched: ``size`` < 2, a model that is not a ``ModuleBase``, one whose first task has no
    unary flavour, a unary method taking the request context (``context_arg``) or that is not
    a plain function, a module that keeps ``ModuleBase.run_batch``, and an instance without a
    ``__dict__``.
    """
    if settings.size < 2:
        return None
    cls = type(model)
    from caikit.core import ModuleBase

    why = None
    signature = cls.get_inference_signature(False, False) if isinstance(model, ModuleBase) else None
    if not isinstance(model, ModuleBase):
        why = "it is not a caikit module"
    elif signature is None:
        why = "its first task has no unary inference method"
    elif getattr(signature, "context_arg", None):
        why = f"its unary method {signature.method_name}() takes the request context"
    elif not isinstance(inspect.getattr_static(cls, signature.method_name, None), types.FunctionType):
        why = f"{signature.method_name} is not a plain method"
    elif getattr(cls, "run_batch", None) is ModuleBase.run_batch:
        why = "it keeps ModuleBase.run_batch, which would only run its calls one after the other"
    elif not hasattr(model, "__dict__"):
        why = "its instances have no __dict__"
    if why is not None or signature is None:
        log.warning("Model %r is not batched (runtime.batching size %d): %s", model_id, settings.size, why)
        return None
    batcher = Batcher(model, model_id, signature.method_name, settings.size, settings.collect_delay_s, observe_batch)
    model.__dict__[signature.method_name] = batcher
    log.info(
        "Model %r: %s() calls are batched (size %d, collect_delay_s %g)",
        model_id, signature.method_name, settings.size, settings.collect_delay_s,
    )
    return batcher


class _Item:
    """One call waiting for (or in) a batch."""

    __slots__ = ("abandoned", "enqueued", "error", "key", "kwargs", "released", "result", "signal", "state")

    def __init__(self, kwargs: Dict[str, Any]):
        self.kwargs = kwargs
        self.key: FrozenSet[str] = frozenset(kwargs)
        self.enqueued = _monotonic()
        self.state = _QUEUED
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.abandoned = False  # the caller left: never run it, drop its outcome
        self.released = False
        self.signal = threading.Lock()  # held until the outcome (or a cancellation) is there
        self.signal.acquire()


class Batcher:
    """Gathers the calls of one model's unary method into batches (see the module docstring).

    Args:
        model: the model instance
        model_id: its id (thread name, logs, metrics)
        method_name: its unary inference method
        size: most calls per batch (>= 2)
        collect_delay_s: longest time the oldest call of a batch waits for more
        observe_batch: ``(model_id, size)`` called after each batch (metrics)
    """

    def __init__(
        self,
        model: Any,
        model_id: str,
        method_name: str,
        size: int,
        collect_delay_s: float = 0.0,
        observe_batch: Optional[Callable[[str, int], None]] = None,
    ):
        self.model = model
        self.model_id = model_id
        self.method_name = method_name
        self.size = int(size)
        self.collect_delay_s = float(collect_delay_s)
        self._method = getattr(type(model), method_name)  # the class's function: never this batcher
        self._observe = observe_batch
        self._cond = threading.Condition(threading.Lock())
        # argument names -> the calls waiting with exactly those, oldest first
        self._groups: Dict[FrozenSet[str], Deque[_Item]] = {}
        self._closed: Optional[str] = None
        self._thread: Optional[threading.Thread] = None
        self._worker = 0
        #: batches run so far
        self.batches = 0

    def __repr__(self) -> str:
        return f"<Batcher of {self.model_id!r}.{self.method_name} size={self.size} delay={self.collect_delay_s:g}s>"

    # -- the caller's side ------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The unary method's result for ``kwargs``, computed in a batch.

        Raises:
            whatever the model raised for this call; CaikitRuntimeException UNAVAILABLE when
            the model is unloaded before the call ran; WorkCancelled when the caller's
            request was cancelled while it waited
        """
        if args or threading.get_ident() == self._worker:
            return self._method(self.model, *args, **kwargs)
        item = _Item(kwargs)
        try:
            self._enqueue(item)
            # a cancellation of the caller's work withdraws the call and wakes this thread
            set_waker(functools.partial(self._withdraw, item))
            item.signal.acquire()
            set_waker(None)
        except BaseException:  # the cancellation's WorkCancelled, raised in this thread
            set_waker(None)
            self._withdraw(item)
            raise
        if item.abandoned:  # withdrawn by a cancellation whose WorkCancelled is still on its way
            raise WorkCancelled("the request was cancelled while it waited for its batch")
        if item.error is not None:
            raise item.error
        return item.result

    def _enqueue(self, item: _Item) -> None:
        with self._cond:
            if self._closed is not None:
                raise CaikitRuntimeException(StatusCode.UNAVAILABLE, self._closed)
            group = self._groups.get(item.key)
            if group is None:
                group = self._groups[item.key] = deque()
            group.append(item)
            waiting = len(group)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=f"caikit-batch-{self.model_id}", daemon=True)
                self._thread.start()
            if waiting == 1 or waiting >= self.size:
                self._cond.notify()

    def _withdraw(self, item: _Item) -> None:
        """The caller leaves (called from a cancelling thread, or by the caller): a queued call
        never runs, a running one's outcome is dropped, and the caller stops waiting."""
        with self._cond:
            item.abandoned = True
            if item.state == _QUEUED:
                item.state = _DONE
                group = self._groups.get(item.key)
                if group is not None:
                    try:
                        group.remove(item)
                    except ValueError:
                        pass
                    if not group:
                        del self._groups[item.key]
            if not item.released:
                item.released = True
                item.signal.release()

    # -- the worker's side ------------------------------------------------------------------

    def _work(self) -> None:
        self._worker = threading.get_ident()
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                self._run(batch)
        except BaseException as err:  # never leave callers waiting on a dead thread
            log.exception("The batcher of model %r stopped", self.model_id)
            self.close(f"The batcher of model {self.model_id} stopped: {err!r}")

    def _next_batch(self) -> Optional[List[_Item]]:
        with self._cond:
            while True:
                if self._closed is not None:
                    return None
                key, wait = self._choose()
                if key is not None:
                    group = self._groups[key]
                    batch = [group.popleft() for _ in range(min(self.size, len(group)))]
                    if not group:
                        del self._groups[key]
                    for item in batch:
                        item.state = _RUNNING
                    return batch
                self._cond.wait(wait)

    def _choose(self) -> Tuple[Optional[FrozenSet[str]], Optional[float]]:
        """(group to run now, else None and how long to wait: None = until notified)."""
        oldest: Optional[FrozenSet[str]] = None
        oldest_at = 0.0
        for key, group in list(self._groups.items()):
            if not group:
                del self._groups[key]
                continue
            if len(group) >= self.size:
                return key, None
            if oldest is None or group[0].enqueued < oldest_at:
                oldest, oldest_at = key, group[0].enqueued
        if oldest is None:
            return None, None
        remaining = oldest_at + self.collect_delay_s - _monotonic()
        if remaining <= 0:
            return oldest, None
        return None, remaining

    def _run(self, batch: List[_Item]) -> None:
        try:
            outcomes = self._outcomes(batch)
        except BaseException as err:  # never leave the batch's callers without an answer
            outcomes = [(False, err)] * len(batch)
        self._deliver(batch, outcomes)
        self.batches += 1
        if self._observe is not None:
            try:
                self._observe(self.model_id, len(batch))
            except Exception:
                log.debug("Batch size metric failed", exc_info=True)

    def _outcomes(self, batch: List[_Item]) -> List[Tuple[bool, Any]]:
        """``(ok, result or exception)`` per call: one ``run_batch``, else one call each."""
        names = list(batch[0].kwargs)
        if names:
            try:
                results = self.model.run_batch(**{name: [item.kwargs[name] for item in batch] for name in names})
                if not isinstance(results, (list, tuple)) or len(results) != len(batch):
                    count = len(results) if isinstance(results, (list, tuple)) else "not a list of"
                    raise ValueError(f"run_batch answered {count} results for {len(batch)} calls")
                return [(True, result) for result in results]
            except Exception as err:
                log.warning(
                    "run_batch of model %r failed on a batch of %d (%r): running its calls one by one",
                    self.model_id, len(batch), err,
                )
        return [self._run_one(item) for item in batch]

    def _run_one(self, item: _Item) -> Tuple[bool, Any]:
        if item.abandoned:
            return False, None
        try:
            return True, self._method(self.model, **item.kwargs)
        except BaseException as err:
            return False, err

    def _deliver(self, batch: List[_Item], outcomes: List[Tuple[bool, Any]]) -> None:
        with self._cond:
            for item, (ok, value) in zip(batch, outcomes):
                if ok:
                    item.result = value
                else:
                    item.error = value
                item.state = _DONE
                if not item.released:
                    item.released = True
                    item.signal.release()

    # -- lifecycle --------------------------------------------------------------------------

    def pending(self) -> int:
        """Calls waiting for a batch (not counting a batch that runs now)."""
        with self._cond:
            return sum(len(group) for group in self._groups.values())

    @property
    def thread(self) -> Optional[threading.Thread]:
        """The worker thread (None until the first call)."""
        return self._thread

    def close(self, message: Optional[str] = None) -> None:
        """Stop batching: waiting calls fail with UNAVAILABLE (``message``), a running batch
        finishes for its callers, the worker thread ends, and the model's unary method is
        the class's again. Idempotent; does not wait for the thread (see :meth:`join`)."""
        message = message or f"Model {self.model_id} was unloaded while the call waited for its batch"
        with self._cond:
            if self._closed is not None:
                return
            self._closed = message
            waiting = [item for group in self._groups.values() for item in group]
            self._groups.clear()
            for item in waiting:
                item.error = CaikitRuntimeException(StatusCode.UNAVAILABLE, message)
                item.state = _DONE
                if not item.released:
                    item.released = True
                    item.signal.release()
            self._cond.notify_all()
        if self.model.__dict__.get(self.method_name) is self:
            del self.model.__dict__[self.method_name]
        if waiting:
            log.info("Model %r: %d calls waiting for a batch answered UNAVAILABLE", self.model_id, len(waiting))

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the worker thread to end (after :meth:`close`); whether it has."""
        thread = self._thread
        if thread is None or thread.ident == threading.get_ident():
            return True
        thread.join(timeout)
        return not thread.is_alive()
