"""CancellableWork stops the work it guards, and only that work."""
import threading

import pytest
from caikit.runtime.cancellation import CancellableWork, WorkCancelled


def test_cancel_stops_running_work():
    work = CancellableWork()
    started, outcome = threading.Event(), []

    def run():
        work.begin()
        try:
            started.set()
            while True:
                pass  # pure Python: stops at the next bytecode
        except WorkCancelled:
            outcome.append("cancelled")
        finally:
            work.end()
        outcome.append("after")

    thread = threading.Thread(target=run)
    thread.start()
    started.wait(10)
    work.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert outcome == ["cancelled", "after"]
    assert work.cancelled


def test_cancel_after_end_does_nothing():
    work = CancellableWork()
    work.begin()
    work.end()
    work.close()
    work.cancel()
    assert not work.cancelled


def test_cancel_before_begin_refuses_to_start():
    work = CancellableWork()
    work.cancel()
    with pytest.raises(WorkCancelled):
        work.begin()


def test_cancel_while_idle_between_items_is_remembered():
    work = CancellableWork()
    work.begin()
    work.end()
    work.cancel()  # between two items of a stream
    with pytest.raises(WorkCancelled):
        work.begin()


def test_model_code_catching_exception_does_not_swallow_it():
    assert not issubclass(WorkCancelled, Exception)
