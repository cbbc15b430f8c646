"""``python -m caikit.runtime.http_server``: serves until SIGTERM, then stops cleanly."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

import sample_lib  # noqa: E402

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_module_entry_point_serves_and_stops_on_sigterm(tmp_path):
    models = tmp_path / "models"
    sample_lib.GreeterModule("Hi {}").save(str(models / "greeter"))
    port = _free_port()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(FIXTURES), os.environ.get("PYTHONPATH", "")]),
        RUNTIME_LIBRARY="sample_lib",
        RUNTIME_LOCAL_MODELS_DIR=str(models),
        RUNTIME_HTTP_PORT=str(port),
        RUNTIME_METRICS_ENABLED="false",
        LOG_LEVEL="warning",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "caikit.runtime.http_server"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-2000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health"
            time.sleep(0.1)
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v1/task/greeting", json={"inputs": "Gabe", "model_id": "greeter"}, timeout=30
        )
        assert response.json() == {"greeting": "Hi Gabe"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
