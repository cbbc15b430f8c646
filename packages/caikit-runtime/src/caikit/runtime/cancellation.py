"""Stop a model's work when its caller goes away (client cancel, deadline, disconnect).

The model runs in the server's request thread. :class:`CancellableWork` remembers that
thread; :meth:`CancellableWork.cancel` (called from another thread, e.g. gRPC's termination
callback or the HTTP server's disconnect watcher) raises :class:`WorkCancelled` inside it, but
only while the thread is between :meth:`begin` and :meth:`end`, so the exception can never land
in server code before or after the model call. Pure-Python work stops at the next bytecode; a
call blocked in C (``time.sleep``, a socket read) stops when it returns to Python.

Usage (per request, cheap: one lock and two attribute writes)::

    work = CancellableWork()
    register_on_cancel(work.cancel)
    work.begin()
    try:
        result = model.run(**kwargs)
    except WorkCancelled:
        ...report CANCELLED...
    finally:
        work.end()

A thread that *waits* inside the cancellable region (the runtime's batcher: the request thread
waits while another thread runs its item) would only see :class:`WorkCancelled` once its wait
returns; :func:`set_waker` names a callable that :meth:`CancellableWork.cancel` calls right
after raising, to end that wait.
"""
from __future__ import annotations

import ctypes
import threading
from typing import Callable, Dict, Optional

from caikit.core.toolkit.concurrency.destroyable_thread import ThreadDestroyedException

__all__ = ["CancellableWork", "WorkCancelled", "set_waker"]

# Own prototypes (not ctypes.pythonapi's shared function object): one raises, one clears.
_set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)
_clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)


#: thread id -> what ends that thread's current wait (see set_waker); read only by cancel()
_WAKERS: Dict[int, Callable[[], None]] = {}


def set_waker(wake: Optional[Callable[[], None]]) -> None:
    """While set, cancelling the work the calling thread runs also calls ``wake()``.

    For code that blocks inside the cancellable region: :meth:`CancellableWork.cancel` raises
    :class:`WorkCancelled` in the thread, then calls ``wake()`` (from the cancelling thread,
    so it must be quick and must not raise) to end the wait; the exception is then raised in
    the thread as soon as it runs Python code again. ``None`` clears it. Costs nothing on the
    path of work that never waits.
    """
    if wake is None:
        _WAKERS.pop(threading.get_ident(), None)
    else:
        _WAKERS[threading.get_ident()] = wake


class WorkCancelled(ThreadDestroyedException):
    """Raised inside a model's work because its caller went away.

    A ``BaseException`` (through ``ThreadDestroyedException``) so that ``except Exception`` in
    model code does not swallow it.
    """


_IDLE, _RUNNING, _DONE, _CANCELLED = 0, 1, 2, 3


class CancellableWork:
    """One request's model work that another thread may cancel."""

    __slots__ = ("_ident", "_lock", "_state")

    def __init__(self) -> None:
        self._ident = 0
        self._lock = threading.Lock()
        self._state = _IDLE

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called before the work ended."""
        return self._state == _CANCELLED

    def begin(self) -> None:
        """Mark the calling thread as running the work; raises at once if already cancelled."""
        with self._lock:
            if self._state == _CANCELLED:
                raise WorkCancelled("the request was cancelled before its work started")
            self._ident = threading.get_ident()
            self._state = _RUNNING

    def end(self) -> None:
        """Mark the work as over; no cancellation can reach the thread after this returns."""
        with self._lock:
            if self._state == _CANCELLED and self._ident:
                # A cancellation raised just now may not have been delivered yet: drop it.
                _clear_async_exc(self._ident, None)
            elif self._state == _RUNNING:
                self._state = _IDLE

    def cancel(self, *_args: object) -> None:
        """Cancel the work (any arguments are ignored, so this can be any kind of callback)."""
        with self._lock:
            if self._state in (_DONE, _CANCELLED):
                return
            running = self._state == _RUNNING
            self._state = _CANCELLED
            if running:
                _set_async_exc(self._ident, WorkCancelled)
                wake = _WAKERS.get(self._ident)
                if wake is not None:
                    try:
                        wake()
                    except Exception:  # a waker must not break the canceller
                        pass

    def close(self) -> None:
        """The request is over: later :meth:`cancel` calls do nothing."""
        with self._lock:
            if self._state != _CANCELLED:
                self._state = _DONE
