"""Work functions for the concurrency tests.

They live in a plain module (imported by name, with this directory on ``sys.path``) because a
``spawn``/``forkserver`` child re-imports the target by module name, which pytest's
``importlib`` import mode does not make possible for test modules themselves.
"""
import time


def spin_forever():
    while True:
        time.sleep(0.01)


def add(a, b):
    return a + b


def fail():
    raise ValueError("boom")


def sleep_then_mark(path):
    time.sleep(30)
    with open(path, "w") as handle:
        handle.write("finished")
