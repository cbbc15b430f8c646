"""Fixtures of the runtime tests: runtime subprocesses and the sample library's services."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from runtime_test_helpers import RuntimeProcess, base_env, free_port  # noqa: E402


@pytest.fixture
def runtime(tmp_path) -> Iterator:
    """Factory: ``runtime(**env) -> RuntimeProcess`` already serving; all stopped at the end."""
    started = []

    def start(args=(), wait: bool = True, credentials=None, module: str = "caikit.runtime", **env: str) -> RuntimeProcess:
        port = int(env.pop("RUNTIME_GRPC_PORT", 0)) or free_port()
        models = tmp_path / "models"
        models.mkdir(exist_ok=True)
        env.setdefault("RUNTIME_LOCAL_MODELS_DIR", str(models))
        process = RuntimeProcess(tmp_path, base_env(RUNTIME_GRPC_PORT=str(port), **env), port, args, module)
        started.append(process)
        if wait:
            process.wait_serving(credentials=credentials)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def models_dir(tmp_path) -> Path:
    """The models directory the ``runtime`` fixture serves (created empty)."""
    path = tmp_path / "models"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def sample_services():
    """The runtime's generated services for sample_lib, in this process (the global config is
    left as it was)."""
    from caikit.config import temp_config
    from caikit.runtime.service_generation import get_services

    with temp_config({"runtime": {"library": "sample_lib"}}) as config:
        return get_services(config.runtime)
