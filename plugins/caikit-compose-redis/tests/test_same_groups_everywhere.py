"""The same inputs give the same completed groups and windows with LOCAL, with REDIS in one
process, and with REDIS shared by two worker processes."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY

APPS = Path(__file__).parent / "apps"
PAIRS, SERIES = 400, 300


def _load_scenario():
    spec = importlib.util.spec_from_file_location("redis_test_scenario", APPS / "scenario.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scenario = _load_scenario()


def _normal(value):
    return json.loads(json.dumps(value))


def _by_subscription(groups: list) -> dict:
    out: dict = {name: [] for name in scenario.SUBSCRIPTIONS}
    for group in groups:
        out[group[0]].append(group)
    return {name: sorted(json.dumps(v, sort_keys=True) for v in values) for name, values in out.items()}


def _wait_for(groups: list, lock: threading.Lock, total: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            if len(groups) >= total:
                break
        time.sleep(0.02)
    time.sleep(0.3)  # anything beyond the expected count would show up now


@pytest.fixture(scope="module")
def messages():
    return scenario.inputs(PAIRS, SERIES)


@pytest.fixture(scope="module")
def local_groups(messages):
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    groups: list = []
    scenario.subscribe(mq, gs, lambda g: groups.append(_normal(g)))
    for topic, msg in messages:
        mq.publish(topic, msg)
    mq.shutdown()
    counts = scenario.expected_counts(PAIRS, SERIES)
    assert {k: len(v) for k, v in _by_subscription(groups).items()} == counts
    return _by_subscription(groups)


def test_redis_in_one_process_matches_local(redis_config, messages, local_groups):
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": redis_config})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": redis_config})
    groups: list = []
    lock = threading.Lock()

    def emit(group):
        with lock:
            groups.append(_normal(group))

    managers = scenario.subscribe(mq, gs, emit)
    for topic, msg in messages:
        mq.publish(topic, msg)
    _wait_for(groups, lock, sum(scenario.expected_counts(PAIRS, SERIES).values()))
    for manager in managers:
        manager.unsubscribe()
    mq.shutdown()
    gs.close()
    assert _by_subscription(groups) == local_groups


def _start_worker(url: str, namespace: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(APPS / "grouping_worker.py"), url, namespace],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.fixture(scope="module")
def two_process_groups(redis_server, messages):
    """Groups completed by two worker processes sharing the subscriptions through REDIS."""
    namespace = f"two{time.monotonic_ns()}"
    workers = [_start_worker(redis_server.url, namespace) for _ in range(2)]
    groups: list = []
    lock = threading.Lock()

    def read(index, proc):
        for line in proc.stdout:
            with lock:
                groups.append([*json.loads(line), index])

    readers = [threading.Thread(target=read, args=(i, p)) for i, p in enumerate(workers)]
    for reader in readers:
        reader.start()
    mq = MQ_FACTORY.construct(
        {"type": "REDIS", "config": {"url": redis_server.url, "namespace": namespace}}
    )
    try:
        for topic, msg in messages:
            mq.publish(topic, msg)
        _wait_for(groups, lock, sum(scenario.expected_counts(PAIRS, SERIES).values()))
    finally:
        mq.shutdown()
        for proc in workers:
            proc.stdin.close()
        for proc in workers:
            proc.wait(30)
        for reader in readers:
            reader.join(5)
        for proc in workers:
            proc.stdout.close()
    return groups


def test_key_groups_of_two_processes_match_local(two_process_groups, local_groups):
    pairs = [g for g in two_process_groups if g[0] == "pairs"]
    by_worker = [sum(1 for g in pairs if g[-1] == w) for w in (0, 1)]
    assert all(by_worker), f"both workers should complete groups: {by_worker}"
    assert _by_subscription([g[:-1] for g in pairs])["pairs"] == local_groups["pairs"]


def test_count_windows_of_two_processes_match_local(two_process_groups, local_groups):
    """COUNT windows are defined over the publish sequence: two processes sharing the
    subscriptions complete exactly the windows one process completes."""
    slide = [g for g in two_process_groups if g[0] == "slide"]
    by_worker = [sum(1 for g in slide if g[-1] == w) for w in (0, 1)]
    assert all(by_worker), f"both workers should complete windows: {by_worker}"
    windows = _by_subscription([g[:-1] for g in two_process_groups])
    assert windows["slide"] == local_groups["slide"]
    assert windows["tumble"] == local_groups["tumble"]
