"""A subprocess whose work can be cancelled from outside.

The target runs in a child process (``fork``, ``spawn`` or ``forkserver``). ``destroy()``
sends SIGTERM, then SIGKILL if the child has not exited within ``kill_grace_seconds``, and
reaps it, so a destroyed worker never lingers as a zombie. The result (or the error) comes back
over a pipe, pickled by multiprocessing.
"""
from __future__ import annotations

import multiprocessing
import traceback
from typing import Any, Callable


class ProcessFailedError(RuntimeError):
    """The child died or raised something that could not be sent back."""


def _child_main(ran_flag, conn, target, args, kwargs) -> None:
    ran_flag.value = 1
    message: tuple
    try:
        result = target(*args, **kwargs)
        message = ("result", result)
    except BaseException as err:
        message = ("error", err, traceback.format_exc())
    try:
        conn.send(message)
    except Exception as err:
        conn.send(("error", ProcessFailedError(f"could not send the outcome back: {err!r}"), ""))
    finally:
        conn.close()


class DestroyableProcess:
    """Runs ``target(*args, **kwargs)`` in a child process that can be destroyed.

    Flags: ``ran`` (the child started the target), ``completed`` (it returned), ``destroyed``
    (destroy() was called), ``canceled`` (destroyed before it completed), ``error``.
    """

    def __init__(
        self,
        start_method: str,
        target: Callable[..., Any],
        *args: Any,
        kill_grace_seconds: float = 2.0,
        **kwargs: Any,
    ):
        if start_method not in multiprocessing.get_all_start_methods():
            raise ValueError(
                f"start_method must be one of {multiprocessing.get_all_start_methods()}, "
                f"not {start_method!r}"
            )
        # typeshed's BaseContext lacks Process; every concrete context has it
        context: Any = multiprocessing.get_context(start_method)
        self._ran = context.Value("b", 0)
        self._receiver, sender = context.Pipe(duplex=False)
        self._sender = sender
        self._process = context.Process(
            target=_child_main, args=(self._ran, sender, target, args, kwargs), daemon=True
        )
        self._kill_grace_seconds = kill_grace_seconds
        self._outcome: tuple | None = None
        self.destroyed = False
        self.canceled = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child."""
        self._process.start()
        self._sender.close()  # the child holds its own copy

    def destroy(self) -> None:
        """Terminate the child (SIGTERM, then SIGKILL) and reap it."""
        if self.destroyed:
            return
        self.destroyed = True
        self._collect_outcome(block=False)
        if self._outcome is not None and self._outcome[0] == "result":
            return
        self.canceled = True
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(self._kill_grace_seconds)
            if self._process.is_alive():
                self._process.kill()
        self._process.join()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the child to finish (and collect its outcome)."""
        if self._process.pid is None:
            return
        self._collect_outcome(block=not self.destroyed, timeout=timeout)
        self._process.join(timeout)

    def is_alive(self) -> bool:
        """Whether the child still runs."""
        return self._process.is_alive()

    # -- outcome ---------------------------------------------------------------------------

    @property
    def ran(self) -> bool:
        """Whether the child started running the target."""
        return bool(self._ran.value)

    @property
    def completed(self) -> bool:
        """Whether the target returned normally."""
        self._collect_outcome(block=False)
        return self._outcome is not None and self._outcome[0] == "result"

    @property
    def error(self) -> BaseException | None:
        """What the target raised, if it raised."""
        self._collect_outcome(block=False)
        if self._outcome is not None and self._outcome[0] == "error":
            return self._outcome[1]
        return None

    def get_or_throw(self) -> Any:
        """Wait for the child and return the target's result, or raise its error."""
        self.join()
        if self._outcome is None:
            if self.canceled:
                raise ProcessFailedError("the process was destroyed before it completed")
            raise ProcessFailedError(f"the process exited with code {self._process.exitcode} and no result")
        if self._outcome[0] == "error":
            raise self._outcome[1]
        return self._outcome[1]

    def _collect_outcome(self, block: bool, timeout: float | None = None) -> None:
        if self._outcome is not None or self._process.pid is None:
            return
        try:
            if block or self._receiver.poll(0):
                if timeout is not None and not self._receiver.poll(timeout):
                    return
                self._outcome = self._receiver.recv()
        except (EOFError, OSError):
            pass  # the child died without sending anything
