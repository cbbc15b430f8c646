"""Conformance checks for message-queue and group-store implementations.

A backend (e.g. a REDIS plugin) proves it honours the contracts of
:mod:`caikit_compose.message_queue.base` and :mod:`caikit_compose.group_store.base` by running::

    from caikit_compose.testing import check_group_store, check_message_queue

    def test_redis_group_store_conforms(redis_url):
        check_group_store(lambda: GROUP_STORE_FACTORY.construct({"type": "REDIS", ...}))

    def test_redis_message_queue_conforms(redis_url):
        check_message_queue(lambda: MQ_FACTORY.construct({"type": "REDIS", ...}))

Every check builds fresh instances with the given factory function and raises
``AssertionError`` naming the broken rule. Asynchronous queues are waited for (``drain()`` when
the queue has one, else polling up to ``timeout`` seconds).

Group stores are checked for compare-and-set, compare-and-delete, versions that never repeat,
``scan``, storage by value, exact concurrent ``update``, tombstones (``compare_and_tombstone``
and the ``TOMBSTONE`` state) and idle ``ttl`` expiry (a key written with a short ``ttl`` must be
gone within ``expiry_timeout`` seconds while the check keeps writing other keys; give LOCAL a
small ``gc_interval``). Message queues are checked for groups, members, failing handlers,
unknown topics and the dense per-topic publish sequence (``message.publish_sequence``; see
``check_message_queue``'s ``publish_sequence``).
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

from caikit.core.data_model import DataObjectBase, dataobject

from .group_store.base import ABSENT, TOMBSTONE, GroupStoreBase
from .message import Message
from .message_queue.base import MessageQueueBase

__all__ = ["ConformanceItem", "check_group_store", "check_message_queue"]


@dataobject(package="caikit_data_model.compose_testing")
class ConformanceItem(DataObjectBase):
    """The data object the checks publish and store."""

    value: int


def _fail(rule: str, detail: str = "") -> None:
    raise AssertionError(f"{rule}{': ' + detail if detail else ''}")


def _wait(mq: MessageQueueBase, predicate: Callable[[], bool], timeout: float) -> bool:
    drain = getattr(mq, "drain", None)
    if callable(drain):
        drain(timeout)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# -- group stores ----------------------------------------------------------------------------


def check_group_store(
    make_store: Callable[[], GroupStoreBase], expiry_timeout: float = 10.0
) -> None:
    """Run every group-store check against stores built by ``make_store``.

    Args:
        make_store: builds a store (several calls must give stores sharing one state)
        expiry_timeout: how long a key written with a 0.2 s ttl may linger before it must be
            gone
    """
    from .grouping._states import PartialGroup, SeriesState  # pylint: disable=import-outside-toplevel

    prefix = f"conformance/{uuid.uuid4()}/"
    store = make_store()
    key = prefix + "k"
    state_a = PartialGroup((Message.from_data(ConformanceItem(value=1), data_id="a"),))
    state_b = SeriesState((Message.from_data(ConformanceItem(value=2)),), 1)

    if store.get_versioned(key) != ABSENT:
        _fail("an absent key reads as ABSENT (None, 0, 0.0)")
    if not store.compare_and_set(key, state_a, 0):
        _fail("compare_and_set(version=0) creates an absent key")
    first = store.get_versioned(key)
    if first.version == 0 or first.state is None:
        _fail("a stored key has a non-zero version and its state", repr(first))
    if list(first.state.messages) != list(state_a.messages):
        _fail("a state reads back equal to what was stored")
    if store.compare_and_set(key, state_b, 0):
        _fail("compare_and_set(version=0) fails once the key exists")
    if not store.compare_and_set(key, state_b, first.version):
        _fail("compare_and_set with the current version succeeds")
    if store.compare_and_set(key, state_a, first.version):
        _fail("compare_and_set with a stale version fails")
    second = store.get_versioned(key)
    if second.version == first.version:
        _fail("every write gives a new version")
    if store.compare_and_delete(key, first.version):
        _fail("compare_and_delete with a stale version fails")
    if not store.compare_and_delete(key, second.version):
        _fail("compare_and_delete with the current version succeeds")
    if store.get_versioned(key) != ABSENT:
        _fail("a deleted key reads as ABSENT")
    # ABA: a version must never come back after a delete and re-create
    store.compare_and_set(key, state_a, 0)
    recreated = store.get_versioned(key)
    if recreated.version in (first.version, second.version):
        _fail("versions never repeat for a key (use a store-wide counter)", repr(recreated))
    store.compare_and_delete(key, recreated.version)

    # scan
    for name in ("x/1", "x/2", "y/1"):
        store.compare_and_set(prefix + name, state_a, 0)
    if sorted(store.scan(prefix + "x/")) != [prefix + "x/1", prefix + "x/2"]:
        _fail("scan(prefix) lists exactly the keys with that prefix")
    for name in ("x/1", "x/2", "y/1"):
        store.delete(prefix + name)

    # data objects are stored by value too
    obj = ConformanceItem(value=5)
    store.compare_and_set(prefix + "obj", obj, 0)
    obj.value = 6
    if store.get_versioned(prefix + "obj").state != ConformanceItem(value=5):
        _fail("states are stored by value (changing the object afterwards has no effect)")
    store.delete(prefix + "obj")

    # concurrent read-modify-write through update() is exact; a shared counter in the state
    counter = prefix + "counter"
    store.compare_and_set(counter, ConformanceItem(value=0), 0)
    stores = [make_store() for _ in range(4)]
    errors: List[BaseException] = []

    def work(s: GroupStoreBase) -> None:
        try:
            for _ in range(100):
                s.update(counter, lambda cur: (ConformanceItem(value=cur.state.value + 1), None))
        except BaseException as err:  # pylint: disable=broad-except
            errors.append(err)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    final = store.get_versioned(counter).state.value
    if final != 400:
        _fail("concurrent update() calls never lose or repeat a transition", f"{final} != 400")
    store.delete(counter)
    _check_tombstones(store, prefix, state_a)
    _check_ttl(store, prefix, state_a, expiry_timeout)


def _check_tombstones(store: GroupStoreBase, prefix: str, state: Any) -> None:
    key = prefix + "done"
    store.compare_and_set(key, state, 0)
    partial = store.get_versioned(key)
    if store.compare_and_tombstone(key, partial.version + 1):
        _fail("compare_and_tombstone with a stale version fails")
    if not store.compare_and_tombstone(key, partial.version, ttl=60):
        _fail("compare_and_tombstone with the current version succeeds")
    dead = store.get_versioned(key)
    if dead.state is not TOMBSTONE:
        _fail("a tombstoned key reads back as the TOMBSTONE object itself", repr(dead.state))
    if dead.version in (0, partial.version):
        _fail("a tombstone gets a new version", repr(dead))
    if key not in store.scan(prefix + "do"):
        _fail("scan lists tombstoned keys")
    if store.compare_and_tombstone(key, 0):
        _fail("compare_and_tombstone(version=0) fails once the key exists")
    if not store.compare_and_set(key, state, dead.version):
        _fail("a tombstone can be compare-and-set like any state")
    store.delete(key)
    if not store.compare_and_tombstone(key, 0):
        _fail("compare_and_tombstone(version=0) tombstones an absent key")
    dead = store.get_versioned(key)
    if dead.state is not TOMBSTONE or not store.compare_and_delete(key, dead.version):
        _fail("a tombstone can be compare-and-deleted like any state")
    if store.get_versioned(key) != ABSENT:
        _fail("a deleted tombstone reads as ABSENT")


def _check_ttl(store: GroupStoreBase, prefix: str, state: Any, timeout: float) -> None:
    short, lasting, tombstone = prefix + "short", prefix + "lasting", prefix + "tomb"
    store.compare_and_set(short, state, 0, ttl=0.2)
    store.compare_and_tombstone(tombstone, 0, ttl=0.2)
    store.compare_and_set(lasting, state, 0)
    deadline = time.monotonic() + 0.3 + timeout
    time.sleep(0.3)
    while True:
        # a write lets a store that collects during writes (LOCAL) do so
        store.update(
            prefix + "tick",
            lambda cur: (ConformanceItem(value=0 if cur.state is None else cur.state.value + 1), None),
        )
        gone = [store.get_versioned(k) == ABSENT for k in (short, tombstone)]
        if all(gone):
            break
        if time.monotonic() > deadline:
            _fail("a key idle for longer than its ttl is dropped (tombstones too)", repr(gone))
        time.sleep(0.05)
    if store.get_versioned(lasting).state is None:
        _fail("a key written without a ttl is never dropped")
    for key in (lasting, prefix + "tick"):
        store.delete(key)


# -- message queues --------------------------------------------------------------------------


def check_message_queue(
    make_mq: Callable[[], MessageQueueBase],
    timeout: float = 10.0,
    *,
    publish_sequence: Optional[bool] = None,
) -> None:
    """Run every message-queue check against queues built by ``make_mq``.

    Args:
        make_mq: builds a queue
        timeout: how long to wait for asynchronous deliveries
        publish_sequence: True: delivered messages must carry their topic's publish sequence;
            None (default): they are checked if they carry one (a queue that numbers nothing
            still works, and COUNT_GROUPING then windows by arrival, exact only in one
            process); False: not checked
    """
    from .errors import UnknownTopicError  # pylint: disable=import-outside-toplevel

    mq = make_mq()
    topic = f"conformance-{uuid.uuid4()}"
    try:
        try:
            mq.publish(topic + "-missing", Message.from_data(ConformanceItem(value=0)))
        except UnknownTopicError:
            pass
        else:
            _fail("publishing to a topic never created raises UnknownTopicError")
        mq.create_topic(topic)
        mq.create_topic(topic)
        lock = threading.Lock()
        received: Dict[str, List[int]] = {"a1": [], "a2": [], "b": [], "boom": []}
        sequences: Dict[str, List[Any]] = {name: [] for name in received}

        def handler(name: str) -> Callable[[Any], None]:
            def handle(msg: Any) -> None:
                with lock:
                    received[name].append(msg.unwrapped.value)
                    sequences[name].append((msg.publish_sequence, msg.unwrapped.value))
                if name == "boom":
                    raise RuntimeError("conformance: a failing handler")

            return handle

        mq.subscribe(topic, "group-a", handler("a1"))
        mq.subscribe(topic, "group-a", handler("a2"))
        mq.subscribe(topic, "group-b", handler("b"))
        gone = mq.subscribe(topic, "group-gone", handler("b"))
        mq.subscribe(topic, "group-boom", handler("boom"))
        if not mq.unsubscribe(gone):
            _fail("unsubscribe returns True for a current subscription")
        n = 20
        for i in range(n):
            mq.publish(topic, Message.from_data(ConformanceItem(value=i), data_id=str(i)))

        def done() -> bool:
            with lock:
                return (
                    len(received["a1"]) + len(received["a2"]) >= n
                    and len(received["b"]) >= n
                    and len(received["boom"]) >= n
                )

        if not _wait(mq, done, timeout):
            _fail("every group receives every message", repr({k: len(v) for k, v in received.items()}))
        with lock:
            numbered = sorted(sequences["b"], key=lambda pair: pair[1])
            if publish_sequence is False or (
                publish_sequence is None and all(q is None for q, _ in numbered)
            ):
                numbered = []
            elif numbered != [(i + 1, i) for i in range(n)]:
                _fail(
                    "a delivered message carries its topic's publish sequence (1, 2, 3, ... in "
                    "publish order) in message.publish_sequence",
                    repr(numbered[:5]),
                )
            by_value = sorted(sequences["a1"] + sequences["a2"], key=lambda pair: pair[1])
            if numbered and by_value != numbered:
                _fail("every group sees the same publish sequence numbers")
        time.sleep(0.05)
        with lock:
            group_a = sorted(received["a1"] + received["a2"])
            if group_a != list(range(n)):
                _fail("one member of a group handles each message exactly once", repr(group_a))
            if not received["a1"] or not received["a2"]:
                _fail("members of a group share the messages")
            if sorted(received["b"]) != list(range(n)):
                _fail("an unsubscribed member receives nothing; the others each message once")
            if sorted(received["boom"]) != list(range(n)):
                _fail("a failing handler keeps receiving messages")
    finally:
        mq.shutdown()
