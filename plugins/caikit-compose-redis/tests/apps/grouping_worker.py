"""A worker process of the scenario application on REDIS.

Usage: ``grouping_worker.py URL NAMESPACE``. Subscribes, prints ``ready``, then prints every
completed group as one JSON line, until its standard input is closed.
"""
from __future__ import annotations

import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY
from scenario import subscribe


def main() -> None:
    url, namespace = sys.argv[1:3]
    # small reads, so that both workers take turns on every topic
    config = {"url": url, "namespace": namespace, "block_ms": 200, "count": 10}
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": config})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": config})
    lock = threading.Lock()

    def emit(value):
        line = json.dumps(value)
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    managers = subscribe(mq, gs, emit)
    print("ready", flush=True)
    sys.stdin.read()
    for manager in managers:
        manager.unsubscribe()
    mq.shutdown()
    gs.close()


if __name__ == "__main__":
    main()
