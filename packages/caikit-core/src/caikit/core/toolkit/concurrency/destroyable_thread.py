"""A thread whose work can be cancelled from outside.

``destroy()`` raises :class:`ThreadDestroyedException` inside the running thread (CPython's
``PyThreadState_SetAsyncExc``). The exception lands at the next bytecode boundary, so pure
Python work stops promptly; a call blocked in C (a long ``sleep``, a socket read) stops when it
returns to Python.
"""
from __future__ import annotations

import ctypes
import threading
from typing import Any, Callable


class ThreadDestroyedException(BaseException):
    """Raised inside a :class:`DestroyableThread` that was destroyed.

    A ``BaseException`` so that ``except Exception`` blocks in user code do not swallow it.
    """


class DestroyableThread(threading.Thread):
    """Runs ``target(*args, **kwargs)`` in a thread that can be destroyed.

    Flags: ``ran`` (the target started), ``completed`` (it returned), ``destroyed`` (destroy()
    was called), ``canceled`` (destroyed before it completed), ``threw`` / ``error`` (it raised).
    """

    def __init__(
        self,
        target: Callable[..., Any],
        *args: Any,
        work_done_event: threading.Event | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(name=name, daemon=True)
        self._work = target
        self._work_args = args
        self._work_kwargs = kwargs
        self.work_done_event = work_done_event or threading.Event()
        self._state_lock = threading.Lock()
        self._result: Any = None
        self.ran = False
        self.completed = False
        self.destroyed = False
        self.canceled = False
        self.error: BaseException | None = None

    @property
    def threw(self) -> bool:
        """Whether the target raised (including being destroyed)."""
        return self.error is not None

    def run(self) -> None:
        try:
            with self._state_lock:
                if self.destroyed:
                    return
                self.ran = True
            result = self._work(*self._work_args, **self._work_kwargs)
            with self._state_lock:
                self._result = result
                self.completed = True
        except ThreadDestroyedException as err:
            self.error = err
        except BaseException as err:
            self.error = err
        finally:
            self.work_done_event.set()

    def destroy(self) -> None:
        """Cancel the work: raise ThreadDestroyedException inside the thread if it still runs."""
        with self._state_lock:
            if self.destroyed:
                return
            self.destroyed = True
            if self.completed:
                return
            self.canceled = True
            ident = self.ident
            if ident is None or not self.is_alive():
                return
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(ThreadDestroyedException)
            )

    def get_or_throw(self) -> Any:
        """Wait for the work and return its result, or raise what it raised."""
        self.join()
        if self.error is not None:
            raise self.error
        return self._result
