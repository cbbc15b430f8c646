"""Worker (our environment only): one process of an application sharing a REDIS MQ / group store.

Usage::

    redis_worker.py consume URL MODE IDLE_S TIMEOUT_S   # MODE: individual | key
    redis_worker.py publish URL MODE N

``consume`` subscribes (group ``bench``; for ``key`` a KEY_GROUPING SubscriptionManager
over the REDIS group store), prints ``ready``, counts deliveries until the parent has
written a line on stdin (the publisher is done) and no delivery came for IDLE_S, then
prints ``{"count", "t_first", "t_last"}``.
``publish`` publishes N messages (``key``: N interleaved pairs), drains the queue, and
prints ``{"t_start", "t_end"}``. Times are ``time.monotonic()`` (system-wide).
"""

import json
import os
import sys
import threading
import time

from caikit.core import DataObjectBase, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager


@dataobject(package="bench.redis")
class Text(DataObjectBase):
    """First content type."""

    text: str


@dataobject(package="bench.redis")
class Tag(DataObjectBase):
    """Second content type (paired with Text by data_id in KEY mode)."""

    label: str


TOPICS = [Text.full_name, Tag.full_name]


def _mq(url: str):
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": {"url": url}})
    for t in TOPICS:
        mq.create_topic(t)
    return mq


def consume(url: str, mode: str, idle: float, timeout: float) -> dict:
    """Subscribe, count deliveries until idle, and report."""
    mq = _mq(url)
    lock = threading.Lock()
    state = {"count": 0, "t_first": None, "t_last": None}

    def handler(_msg):
        now = time.monotonic()
        with lock:
            state["count"] += 1
            state["t_first"] = state["t_first"] or now
            state["t_last"] = now

    if mode == "individual":
        mq.subscribe(TOPICS[0], "bench", handler)
    else:
        gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": {"url": url}})
        SubscriptionManager("key-bench", mq, gs, handler, TOPICS, "KEY_GROUPING")

    def wait_for_publisher():
        sys.stdin.readline()
        state["published"] = time.monotonic()

    state["published"] = None
    threading.Thread(target=wait_for_publisher, daemon=True).start()
    print("ready", flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.02)
        done = state["published"]
        if done and time.monotonic() - max(done, state["t_last"] or 0) > idle:
            break
    return state


def publish(url: str, mode: str, n: int) -> dict:
    """Publish ``n`` messages (or pairs) as fast as the MQ takes them, then drain."""
    mq = _mq(url)
    if mode == "individual":
        msgs = [(TOPICS[0], Message.from_data(Text(f"t{i}"), data_id=str(i))) for i in range(n)]
    else:
        msgs = []
        for i in range(n):
            msgs.append((TOPICS[0], Message.from_data(Text(f"t{i}"), data_id=str(i))))
            msgs.append((TOPICS[1], Message.from_data(Tag(f"l{i}"), data_id=str(i))))
    t_start = time.monotonic()
    for topic, m in msgs:
        mq.publish(topic, m)
    if hasattr(mq, "shutdown"):
        mq.shutdown()
    return {"t_start": t_start, "t_end": time.monotonic()}


def main() -> None:
    """Dispatch on argv and print one JSON line; exit hard so no consumer thread lingers."""
    cmd, url, mode = sys.argv[1:4]
    if cmd == "consume":
        out = consume(url, mode, float(sys.argv[4]), float(sys.argv[5]))
    else:
        out = publish(url, mode, int(sys.argv[4]))
    print(json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
