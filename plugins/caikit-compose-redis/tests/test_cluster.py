"""Redis Cluster (three primaries): the queue and the store work, and each script's keys share
one hash slot."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import GROUP_STORE_FACTORY, GROUPING_FACTORY, MQ_FACTORY, Message
from caikit_compose.group_store import TOMBSTONE
from caikit_compose_redis._connection import close_client
from redis.cluster import RedisCluster


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(make_redis):
    """Three cluster-enabled servers joined into one cluster; returns a node's URL."""
    def node_args() -> list:
        # the default bus port (port + 10000) may not exist for a high free port
        return ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000",
                "--cluster-port", str(_free_port())]  # fmt: skip

    nodes = [make_redis(node_args()) for _ in range(3)]
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.fail("redis-cli is required to create the test cluster")
    subprocess.run(
        [cli, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in nodes),
         "--cluster-replicas", "0", "--cluster-yes"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = []
        for node in nodes:
            with redis.Redis(port=node.port) as client:
                info = client.cluster("info")
            states.append(info.get("cluster_state") if isinstance(info, dict) else None)
        if all(s == "ok" for s in states):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the test cluster did not become ready: {states!r}")
    return nodes[0].url


def test_queue_on_a_cluster_delivers_every_topic(cluster, namespace):
    config = {"url": cluster, "cluster": True, "namespace": namespace, "block_ms": 200}
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": config})
    try:
        topics = [f"topic-{i}" for i in range(6)]  # spread over the three nodes
        got = {t: [] for t in topics}
        done = threading.Event()
        lock = threading.Lock()

        def handler(message):
            with lock:
                got[message.header.content_type].append(message.header.data_id)
                if sum(map(len, got.values())) == 60:
                    done.set()

        for topic in topics:
            mq.create_topic(topic)
            mq.subscribe(topic, "g", handler)
        for i in range(10):
            for topic in topics:
                mq.publish(
                    topic, Message.from_data(StrSequence(["x"]), data_id=str(i), content_type=topic)
                )
        assert done.wait(20)
        assert all(ids == [str(i) for i in range(10)] for ids in got.values())
        assert set(mq.lag()) == {(t, "g") for t in topics}
    finally:
        mq.shutdown()


def test_group_store_on_a_cluster_keeps_a_grouping_in_one_slot(cluster, namespace):
    config = {"url": cluster, "cluster": True, "namespace": namespace}
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": config})
    try:
        key = GROUPING_FACTORY.construct({"type": "KEY_GROUPING"}, "sub", gs, ["A", "B"])
        for i in range(20):
            key.add_message(Message.from_data(StrSequence(["a"]), data_id=str(i), content_type="A"))
        assert len(gs.scan("KEY_GROUPING/sub/")) == 20
        done = [
            key.add_message(Message.from_data(StrSequence(["b"]), data_id=str(i), content_type="B"))
            for i in range(20)
        ]
        assert all(d is not None for d in done)
        # every element completed: what is left are their tombstones (and the counter)
        left = gs.scan("KEY_GROUPING/sub/")
        assert len(left) == 20 and all(gs.get_versioned(k).state is TOMBSTONE for k in left)
        client = RedisCluster.from_url(cluster)
        try:
            keys = list(client.scan_iter(match=f"{namespace}:gs:*"))
            assert len(keys) == 21, "20 tombstones and the grouping's version counter"
            assert len({client.keyslot(k) for k in keys}) == 1
        finally:
            close_client(client)
    finally:
        gs.close()


def test_count_windows_on_a_cluster_in_any_order(cluster, namespace):
    """Window blocks are read and written in pipelined batches (one slot: the grouping's)."""
    import random

    config = {"url": cluster, "cluster": True, "namespace": namespace}
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": config})
    try:
        count = GROUPING_FACTORY.construct(
            {"type": "COUNT_GROUPING", "config": {"window_size": 3}}, "w", gs, ["C"]
        )
        order = list(range(1, 31))
        random.Random(3).shuffle(order)
        windows = []
        for q in order:
            msg = Message.from_data(StrSequence([str(q)]), content_type="C")
            msg.publish_sequence = q
            out = count.add_message(msg)
            for window in out if isinstance(out, list) else [] if out is None else [out]:
                windows.append([e.messages[0].unwrapped.values[0] for e in window.unwrapped.series])
        assert sorted(windows, key=lambda w: int(w[0])) == [
            [str(q), str(q + 1), str(q + 2)] for q in range(1, 29)
        ]
    finally:
        gs.close()
