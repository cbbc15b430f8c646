"""Worker (runs in the measured environment): caikit-compose rates in synchronous mode.

Written against caikit-compose's public API (``MQ_FACTORY``, ``GROUP_STORE_FACTORY``,
``SubscriptionManager``, ``Message``), so the same code measures ours and 0.1.0.
MQ ``{"type": "LOCAL", "config": {"threads": 0}}``, group store LOCAL. Rates are per
CPU second (``time.process_time``); messages are built before the clock starts, except
for ``from_data`` which times exactly that.

Usage: ``python compose_worker.py SCALE`` prints one JSON line::

    {"individual": msg/s, "key": groups/s, "count": windows/s, "from_data_us": µs,
     "bare_subscribe": msg/s, "bare_call": calls/s}
"""

import json
import sys
import time

from caikit.core import DataObjectBase, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager


@dataobject(package="bench.compose")
class Text(DataObjectBase):
    """First content type."""

    text: str


@dataobject(package="bench.compose")
class Tag(DataObjectBase):
    """Second content type (KEY_GROUPING pairs a Text with a Tag by data_id)."""

    label: str


def _mq_gs():
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 0}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL", "config": {}})
    return mq, gs


def _rate(n_out: int, fn) -> float:
    t0 = time.process_time()
    fn()
    return n_out / (time.process_time() - t0)


def individual(n: int) -> float:
    """INDIVIDUAL grouping through a SubscriptionManager: messages per CPU second."""
    mq, gs = _mq_gs()
    topic = Text.full_name
    mq.create_topic(topic)
    got = []
    SubscriptionManager("ind-bench", mq, gs, got.append, topic, "INDIVIDUAL")
    msgs = [Message.from_data(Text(f"t{i}"), data_id=str(i)) for i in range(n)]
    rate = _rate(n, lambda: [mq.publish(topic, m) for m in msgs])
    if len(got) != n:
        raise SystemExit(f"INDIVIDUAL delivered {len(got)} of {n}")
    return rate


def key(pairs: int) -> float:
    """KEY_GROUPING over two content types, interleaved pairs: groups per CPU second."""
    mq, gs = _mq_gs()
    topics = [Text.full_name, Tag.full_name]
    for t in topics:
        mq.create_topic(t)
    got = []
    SubscriptionManager("key-bench", mq, gs, got.append, topics, "KEY_GROUPING")
    msgs = []
    for i in range(pairs):
        msgs.append((topics[0], Message.from_data(Text(f"t{i}"), data_id=str(i))))
        msgs.append((topics[1], Message.from_data(Tag(f"l{i}"), data_id=str(i))))
    rate = _rate(pairs, lambda: [mq.publish(t, m) for t, m in msgs])
    if len(got) != pairs:
        raise SystemExit(f"KEY_GROUPING emitted {len(got)} of {pairs} groups")
    return rate


def count(n: int, window: int = 5) -> float:
    """COUNT_GROUPING (window 5, stride 1): windows per CPU second."""
    mq, gs = _mq_gs()
    topic = Text.full_name
    mq.create_topic(topic)
    got = []
    SubscriptionManager(
        "count-bench",
        mq,
        gs,
        got.append,
        topic,
        "COUNT_GROUPING",
        {"window_size": window, "window_stride": 1},
    )
    msgs = [Message.from_data(Text(f"t{i}"), data_id=str(i)) for i in range(n)]
    windows = n - window + 1
    rate = _rate(windows, lambda: [mq.publish(topic, m) for m in msgs])
    if len(got) != windows:
        raise SystemExit(f"COUNT_GROUPING emitted {len(got)} of {windows} windows")
    return rate


def from_data_us(n: int) -> float:
    """``Message.from_data`` of a small data object: CPU microseconds per call."""
    obj = Text("hello world")
    t0 = time.process_time()
    for _ in range(n):
        Message.from_data(obj)
    return (time.process_time() - t0) / n * 1e6


def bare_subscribe(n: int) -> float:
    """A handler subscribed directly with ``mq.subscribe`` (no grouping): messages per CPU second."""
    mq, _ = _mq_gs()
    mq.create_topic("bare")
    got = []
    mq.subscribe("bare", "g", got.append)
    msg = Message.from_data(Text("x"))
    return _rate(n, lambda: [mq.publish("bare", msg) for _ in range(n)])


def bare_call(n: int) -> float:
    """The floor: calling the handler directly, calls per CPU second."""
    got = []
    handler = got.append
    msg = Message.from_data(Text("x"))
    return _rate(n, lambda: [handler(msg) for _ in range(n)])


def main() -> None:
    """Run every workload once (after a small warm-up) and print the rates."""
    scale = float(sys.argv[1])
    n = lambda base: max(100, int(base * scale))  # noqa: E731
    individual(200), key(100), count(100), from_data_us(200)
    print(
        json.dumps(
            {
                "individual": individual(n(20000)),
                "key": key(n(3000)),
                "count": count(n(3000)),
                "from_data_us": from_data_us(n(5000)),
                "bare_subscribe": bare_subscribe(n(50000)),
                "bare_call": bare_call(n(200000)),
            }
        )
    )


if __name__ == "__main__":
    main()
