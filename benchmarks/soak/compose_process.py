"""The caikit-compose side of the soak run: one application publishing at a steady rate.

A LOCAL (or REDIS) message queue with a worker pool, and three subscriptions over two topics:
an INDIVIDUAL handler, a KEY_GROUPING actor pairing a ``StrSequence`` with an ``IntSequence``
of the same ``data_id``, and a COUNT_GROUPING actor (window 5, stride 1) over the
``StrSequence`` topic. One handler call in a hundred raises, on purpose, so that the error path runs for
the whole soak too. Grouping state lives for ``--ttl`` seconds (``partial_ttl`` and
``tombstone_ttl``), so memory has a steady state once one TTL has passed.

Prints one JSON line of counters every ``--report`` seconds to stdout; stops on SIGTERM (or
after ``--seconds``) and prints a final line with ``"final": true``.

Usage: ``python compose_process.py --rate 500 --seconds 600 [--redis-url redis://...]``
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=500.0, help="message pairs per second")
    parser.add_argument("--seconds", type=float, default=1800.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ttl", type=float, default=20.0)
    parser.add_argument("--report", type=float, default=1.0)
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()

    from caikit.interfaces.common.data_model import IntSequence, StrSequence
    from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager

    if args.redis_url:
        mq = MQ_FACTORY.construct({"type": "REDIS", "config": {"url": args.redis_url, "namespace": "soak"}})
        store = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": {"url": args.redis_url, "namespace": "soak"}})
    else:
        mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": args.threads, "max_pending": 10000}})
        store = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    text, number = StrSequence.full_name, IntSequence.full_name
    for topic in (text, number):
        mq.create_topic(topic)

    counts = {"published": 0, "individual": 0, "key_groups": 0, "count_windows": 0, "raised": 0}
    lock = threading.Lock()

    def count(name: str) -> None:
        with lock:
            counts[name] += 1

    def individual(message) -> None:
        count("individual")
        if int(message.header.data_id) % 100 == 0:
            count("raised")
            raise RuntimeError("one handler call in a hundred fails on purpose")

    grouping = {"partial_ttl": args.ttl, "tombstone_ttl": args.ttl}
    mq.subscribe(text, "individual", individual)
    managers = [
        SubscriptionManager("soak-key", mq, store, lambda m: count("key_groups"), [text, number], "KEY_GROUPING", grouping),
        SubscriptionManager(
            "soak-count", mq, store, lambda m: count("count_windows"), text, "COUNT_GROUPING",
            {**grouping, "window_size": 5, "window_stride": 1},
        ),
    ]

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def report(final: bool = False) -> None:
        with lock:
            line = dict(counts)
        line["pending"] = getattr(mq, "pending", 0)
        line["handler_errors"] = getattr(mq, "handler_errors", None)
        line["final"] = final
        print(json.dumps(line), flush=True)

    began = time.monotonic()
    next_report = began + args.report
    interval = 1.0 / args.rate
    index = 0
    while not stop.is_set() and time.monotonic() - began < args.seconds:
        due = began + index * interval
        now = time.monotonic()
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        data_id = str(index)
        mq.publish(text, Message.from_data(StrSequence([f"text {index}"]), data_id=data_id))
        mq.publish(number, Message.from_data(IntSequence([index]), data_id=data_id))
        with lock:
            counts["published"] += 2
        index += 1
        if now >= next_report:
            report()
            next_report = now + args.report
    drain = getattr(mq, "drain", None)
    if drain is not None:
        drain(30)
    for manager in managers:
        manager.close()
    mq.shutdown()
    report(final=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
