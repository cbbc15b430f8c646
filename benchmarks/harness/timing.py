"""Micro-benchmark loop for worker processes: operations per CPU second."""

from __future__ import annotations

import time
from typing import Callable


def ops_per_cpu_second(fn: Callable[[], object], seconds: float, warmup: int = 200) -> float:
    """Call ``fn`` repeatedly for about ``seconds`` of process CPU time; return calls per CPU second.

    CPU time (``time.process_time``, all threads of this process) is used rather
    than wall time because the machine is shared and noisy.
    """
    for _ in range(warmup):
        fn()
    batch = 1
    calls = 0
    start = time.process_time()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return calls / elapsed
        if elapsed < seconds / 20:
            batch *= 2
