"""A worker process holding one member of each of several subscriber groups on topic ``T``.

Usage: ``member_worker.py URL NAMESPACE COUNT GROUP...``. Subscribes, prints ``ready``; when its
standard input is closed it prints one JSON object ``{group: [[data_id, time], ...]}`` (what
each of its members received, with ``time.time()`` of delivery) and exits.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caikit_compose import MQ_FACTORY


def main() -> None:
    url, namespace, count, *groups = sys.argv[1:]
    config = {"url": url, "namespace": namespace, "block_ms": 200, "count": int(count)}
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": config})
    mq.create_topic("T")
    received = {group: [] for group in groups}
    lock = threading.Lock()
    for group in groups:

        def handler(message, _log=received[group]):
            with lock:
                _log.append((message.header.data_id, time.time()))

        mq.subscribe("T", group, handler)
    print("ready", flush=True)
    sys.stdin.read()
    stats = mq.stats
    mq.shutdown()
    with lock:
        print(json.dumps({"received": received, "stats": stats}), flush=True)


if __name__ == "__main__":
    main()
