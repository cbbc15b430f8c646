"""Consumer groups across real processes: each group gets each message once, members share the
work, and a Redis restart in the middle of a stream is survived without duplicates."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from caikit.interfaces.common.data_model import StrSequence
from caikit_compose import MQ_FACTORY, Message

APPS = Path(__file__).parent / "apps"
GROUPS = ("G1", "G2")
N = 10_000


class Workers:
    """Three worker processes, each with one member in every group of :data:`GROUPS`."""

    def __init__(self, url: str, namespace: str, count: int, processes: int = 3):
        self.procs = [
            subprocess.Popen(
                [sys.executable, str(APPS / "member_worker.py"), url, namespace, str(count), *GROUPS],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        for proc in self.procs:
            assert proc.stdout.readline().strip() == "ready"

    def finish(self) -> list:
        """Close their input; return each one's report."""
        reports = []
        for proc in self.procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def _received(reports: list, group: str) -> list:
    return [r["received"][group] for r in reports]


def _wait_until_delivered(mq, timeout: float = 60.0) -> None:
    """Wait until no group has entries left to read."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lag = mq.lag("T")
        if lag and all(v == 0 for v in lag.values()):
            return
        time.sleep(0.05)


def _message(i: int) -> Message:
    return Message.from_data(StrSequence([str(i)]), data_id=str(i))


def test_two_groups_of_three_get_every_message_once_and_share_it(redis_server, namespace):
    workers = Workers(redis_server.url, namespace, count=50)
    try:
        mq = MQ_FACTORY.construct(
            {"type": "REDIS", "config": {"url": redis_server.url, "namespace": namespace}}
        )
        mq.create_topic("T")
        for i in range(N):
            mq.publish("T", _message(i))
        mq.flush()
        _wait_until_delivered(mq)
        mq.shutdown()
        reports = workers.finish()
    finally:
        workers.kill()
    for group in GROUPS:
        members = _received(reports, group)
        ids = sorted(int(data_id) for member in members for data_id, _ in member)
        assert ids == list(range(N)), f"group {group} must get each message exactly once"
        shares = [len(member) for member in members]
        print(f"{group}: shares of the members {shares}")
        assert all(shares), f"every member of {group} should get work: {shares}"


def test_a_redis_restart_mid_stream_is_survived_without_duplicates(private_redis, namespace):
    workers = Workers(private_redis.url, namespace, count=50)
    restarted_at = {}
    try:
        mq = MQ_FACTORY.construct(
            {"type": "REDIS", "config": {"url": private_redis.url, "namespace": namespace}}
        )
        mq.create_topic("T")

        def outage():
            time.sleep(1.0)
            private_redis.stop()
            time.sleep(5.0)
            private_redis.start()
            restarted_at["t"] = time.time()

        breaker = threading.Thread(target=outage)
        breaker.start()
        start = time.monotonic()
        for i in range(N):
            # about 4 s of publishing: the outage falls in the middle of the stream
            while time.monotonic() - start < i * 0.0004:
                time.sleep(0.001)
            mq.publish("T", _message(i))
        breaker.join()
        mq.flush(30)
        _wait_until_delivered(mq)
        newcomer = MQ_FACTORY.construct(
            {"type": "REDIS", "config": {"url": private_redis.url, "namespace": namespace}}
        )
        assert newcomer.topics() == ["T"], "the writer registers its topics again after an outage"
        newcomer.shutdown()
        stats = mq.stats
        mq.shutdown()
        reports = workers.finish()
    finally:
        workers.kill()
    assert stats["published"] + stats["dropped"] == N
    for group in GROUPS:
        deliveries = [d for member in _received(reports, group) for d in member]
        ids = [int(data_id) for data_id, _ in deliveries]
        assert len(ids) == len(set(ids)), f"group {group} saw a message twice"
        after = [t for _, t in deliveries if t >= restarted_at["t"]]
        assert after, f"group {group} received nothing after the restart"
        resumed = min(after) - restarted_at["t"]
        print(f"{group}: {len(ids)} of {N} delivered, resumed {resumed:.2f} s after the restart, "
              f"publisher stats {stats}")
        assert resumed < 2.0, "delivery must resume within 2 s"
        # what was published while Redis was away was held and written after the restart
        assert max(ids) == N - 1
        assert len(ids) >= N * 0.5, f"group {group} lost too much: {len(ids)} of {N}"
