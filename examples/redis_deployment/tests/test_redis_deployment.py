"""The deployment example: one command runs Redis, workers and the publisher; the Kubernetes
manifests describe the same deployment."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parents[1]


def test_one_command_runs_the_whole_deployment():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required to run the deployment example")
    done = subprocess.run(
        [sys.executable, str(HERE / "run.py"), "--workers", "2", "--count", "300", "--timeout", "60"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COMPOSE_CONSUMERS": "2"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("SUMMARY "))
    result = json.loads(line[len("SUMMARY "):])
    summary = result["summary"]
    assert summary["reports"] == 300 and summary["duplicates"] == 0
    assert len(result["workers"]) == 2
    assert sum(summary["counted_by"].values()) == 300
    assert "300 of 300 documents reported (0 duplicates)" in done.stdout


def _manifests() -> list:
    docs = []
    for path in sorted((HERE / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def _by_kind(kind: str) -> dict:
    return {d["metadata"]["name"]: d for d in _manifests() if d["kind"] == kind}


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((HERE / "k8s" / "kustomization.yaml").read_text())
    files = {p.name for p in (HERE / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_workers_are_a_deployment_with_replicas_and_redis_a_service():
    workers = _by_kind("Deployment")["compose-workers"]
    assert workers["spec"]["replicas"] >= 2
    (container,) = workers["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["REDIS_URL"]["value"] == "redis://redis:6379/0"
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "redis-auth"
    service = _by_kind("Service")["redis"]
    assert service["spec"]["ports"][0]["port"] == 6379
    redis = _by_kind("Deployment")["redis"]
    labels = redis["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    assert "redis-auth" in _by_kind("Secret")


def test_every_container_runs_a_script_of_the_example():
    for doc in _manifests():
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            command = container.get("command") or []
            scripts = [c for c in command if c.startswith("/app/")]
            for script in scripts:
                assert (HERE / Path(script).name).is_file(), script


def test_the_publisher_job_waits_for_subscribed_workers(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required to run the deployment example")
    sys.path.insert(0, str(HERE))
    try:
        from run import start_redis  # the example's own helper
    finally:
        sys.path.remove(str(HERE))
    redis_proc, url = start_redis(str(tmp_path))
    env = {**os.environ, "REDIS_URL": url, "COMPOSE_NAMESPACE": "wait-test"}
    worker = None
    try:
        waiting = subprocess.run(
            [sys.executable, str(HERE / "wait_for_workers.py"), "--timeout", "1"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert waiting.returncode == 1
        worker = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py")], env=env, stdout=subprocess.PIPE, text=True
        )
        assert worker.stdout.readline().startswith("ready")
        ready = subprocess.run(
            [sys.executable, str(HERE / "wait_for_workers.py"), "--timeout", "30"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert ready.returncode == 0, ready.stdout + ready.stderr
        assert "workers are subscribed" in ready.stdout
    finally:
        if worker is not None:
            worker.terminate()
            worker.communicate(timeout=30)
        redis_proc.kill()
        redis_proc.wait()
