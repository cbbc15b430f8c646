"""DestroyableThread and DestroyableProcess: results, errors and cancellation without leftovers."""
import os
import sys
import threading
import time

import pytest
from caikit.core.toolkit.concurrency import DestroyableProcess, DestroyableThread

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from concurrency_targets import add as _add
from concurrency_targets import fail as _fail
from concurrency_targets import sleep_then_mark as _sleep_then_mark
from concurrency_targets import spin_forever as _spin_forever


def test_thread_returns_result():
    thread = DestroyableThread(_add, 2, 3)
    thread.start()
    assert thread.get_or_throw() == 5
    assert thread.ran and thread.completed and not thread.canceled and not thread.threw


def test_thread_reraises_error():
    thread = DestroyableThread(_fail)
    thread.start()
    with pytest.raises(ValueError, match="boom"):
        thread.get_or_throw()
    assert thread.threw and not thread.completed


def test_thread_destroy_stops_work():
    thread = DestroyableThread(_spin_forever)
    thread.start()
    time.sleep(0.05)
    thread.destroy()
    thread.join(5)
    assert not thread.is_alive()
    assert thread.destroyed and thread.canceled and thread.ran and not thread.completed


def test_thread_destroy_after_completion_is_not_a_cancel():
    thread = DestroyableThread(_add, 1, 1)
    thread.start()
    thread.join()
    thread.destroy()
    assert thread.destroyed and not thread.canceled and thread.completed


def test_thread_work_done_event():
    event = threading.Event()
    thread = DestroyableThread(_add, 1, 1, work_done_event=event)
    thread.start()
    assert event.wait(5)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_process_returns_result(method):
    proc = DestroyableProcess(method, _add, 20, 22)
    proc.start()
    assert proc.get_or_throw() == 42
    assert proc.ran and proc.completed and not proc.canceled


def test_process_reraises_error():
    proc = DestroyableProcess("fork", _fail)
    proc.start()
    with pytest.raises(ValueError, match="boom"):
        proc.get_or_throw()
    assert isinstance(proc.error, ValueError)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_destroy_kills_and_reaps(method, tmp_path):
    marker = tmp_path / "marker"
    proc = DestroyableProcess(method, _sleep_then_mark, str(marker))
    proc.start()
    deadline = time.time() + 10
    while not proc.ran and time.time() < deadline:
        time.sleep(0.02)
    pid = proc._process.pid
    proc.destroy()
    proc.join()
    assert proc.destroyed and proc.canceled and proc.ran and not proc.completed
    assert not proc.is_alive()
    assert not marker.exists()
    # reaped: no zombie left behind under this pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_process_rejects_unknown_start_method():
    with pytest.raises(ValueError, match="start_method"):
        DestroyableProcess("teleport", _add, 1, 2)
