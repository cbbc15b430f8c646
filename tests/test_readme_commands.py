"""Every command in README.md is run, or says why not.

Each ``sh`` block of the README carries a ``test:`` marker (see ``tests/_doc_blocks.py``):

* ``run`` blocks of the walkthrough run in order with bash (``set -eo pipefail``), in one
  temporary directory standing in for ``hello/``, after the ``file:`` blocks before them were
  written there; the ``# text`` lines under a command are output that must appear.
* ``background`` blocks (the runtime, redis-server, the workers) are started and waited for,
  and stopped with SIGINT (Ctrl-C) at the end; the runtime must then exit 0, as the README says.
* ``run-verbatim`` blocks (``python3 dev.py demo``) run exactly as written, from the repository.
* ``skip`` blocks are not run and must say why: ``python3 dev.py test`` is this test suite, and
  the environment block installs from PyPI into a new virtual environment (instead, the paths
  it installs are checked to be distributions with the extras it names).

The one change to the walkthrough: servers get free ports instead of 8080, 8085, 8086 and
6379, by setting ``RUNTIME_HTTP_PORT`` / ``RUNTIME_GRPC_PORT`` / ``RUNTIME_METRICS_PORT`` and
by replacing those numbers in the commands and files, so a server already running on this
machine cannot make the test pass or fail.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Dict, List

import pytest
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

def _load_doc_blocks():
    name = "caikit_docs_tests_doc_blocks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, pathlib.Path(__file__).with_name("_doc_blocks.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


doc_blocks = _load_doc_blocks()

KINDS = {"run", "background", "skip", "run-verbatim"}
COMMAND_TIMEOUT = 120  # bounds a hung command; never decides a result
STARTUP_TIMEOUT = 60
VERBATIM_TIMEOUT = 1200  # dev.py may build its environment first
DEFAULT_PORTS = {"http": 8080, "grpc": 8085, "metrics": 8086, "redis": 6379}

BLOCKS = doc_blocks.blocks(README)
SHELL = [b for b in BLOCKS if b.lang in ("sh", "bash", "shell", "console")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _commands_and_expected(code: str):
    """The block's script, and the ``# ...`` lines that follow a command (expected output)."""
    expected: List[str] = []
    seen_command = False
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if seen_command and stripped != "#":
                expected.append(stripped[1:].strip())
        elif stripped:
            seen_command = True
    return code, expected


# -- the markers themselves --------------------------------------------------------------------


def test_every_shell_block_says_how_it_is_tested():
    assert len(SHELL) >= 8, "the README lost its commands?"
    for block in SHELL:
        test = block.test
        assert test is not None, f"{block.where}: sh block without a <!-- test: ... --> marker"
        assert test.kind in KINDS, f"{block.where}: unknown test kind {test.kind!r}"
        if test.kind in ("skip", "run-verbatim"):
            assert test.reason, f"{block.where}: '{test.kind}' needs a reason after '—'"
    counts = {kind: sum(1 for b in SHELL if b.test.kind == kind) for kind in sorted(KINDS)}
    print(f"README sh blocks: {counts}")
    assert counts["skip"] <= 2, "more than the two known blocks are skipped"


def test_quickstart_is_the_two_commands():
    quickstart = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [
        line.split("#")[0].strip()
        for line in re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)
        for line in line.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    # ...and they are wired as the README says: demo runs examples/demo.py, test is CI's command
    dev = (ROOT / "dev.py").read_text(encoding="utf-8")
    assert '"demo": ["-s", "demo"]' in dev
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert re.search(r'def demo\(.*?session\.run\("python", "examples/demo\.py"', noxfile, flags=re.S)
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_environment_block_installs_existing_distributions():
    block = next(b for b in SHELL if "pip install" in b.code)
    assert block.test.kind == "skip"
    words = shlex.split(block.code.replace("\\\n", " "), comments=True)
    paths = [words[i + 1] for i, word in enumerate(words) if word == "-e"]
    assert len(paths) >= 5, paths
    for spec in paths:
        path, _, extras = spec.partition("[")
        pyproject = ROOT / path / "pyproject.toml"
        assert pyproject.is_file(), f"{spec!r}: no distribution at {path}"
        declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("optional-dependencies", {})
        for extra in filter(None, extras.rstrip("]").split(",")):
            assert extra in declared, f"{spec!r}: {path} has no extra {extra!r} (has {sorted(declared)})"
    # everything the walkthrough imports is covered by what it installs
    for needed in ("packages/caikit-runtime", "packages/caikit-compose", "plugins/caikit-compose-redis", "examples/text_lib"):
        assert any(p.startswith(needed) for p in paths), needed


# -- the walkthrough ---------------------------------------------------------------------------


class Walkthrough:
    """Runs the README's blocks in order in one directory."""

    def __init__(self, workdir: pathlib.Path):
        self.workdir = workdir
        self.ports = {name: _free_port() for name in DEFAULT_PORTS}
        bindir = os.path.dirname(sys.executable)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RUNTIME_", "LOG_", "APP_")) and key != "CONFIG_FILES"
        }
        self.env.update(
            PATH=bindir + os.pathsep + self.env.get("PATH", ""),
            RUNTIME_HTTP_PORT=str(self.ports["http"]),
            RUNTIME_GRPC_PORT=str(self.ports["grpc"]),
            RUNTIME_METRICS_PORT=str(self.ports["metrics"]),
        )
        self.results: Dict[int, dict] = {}
        self.background: List[dict] = []

    def substitute(self, text: str) -> str:
        for name, default in DEFAULT_PORTS.items():
            text = re.sub(rf"(?<![\d.]){default}(?!\d)", str(self.ports[name]), text)
        return text

    def write(self, block) -> None:
        path = self.workdir / block.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.substitute(block.code), encoding="utf-8")

    def run(self, block) -> None:
        script, expected = _commands_and_expected(self.substitute(block.code))
        try:
            done = subprocess.run(
                ["bash", "-c", "set -eo pipefail\n" + script],
                cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
            )
            output, status = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as err:
            output, status = f"timed out after {COMMAND_TIMEOUT} s: {err.stdout!r} {err.stderr!r}", None
        problem = None if status == 0 else f"exit status {status}"
        if problem is None:
            problem = doc_blocks.expected_lines_in_order(expected, output)
        self.results[block.line] = {"problem": problem, "output": output}

    def start(self, block) -> None:
        options = block.test.options
        command = self.substitute(block.code)
        problems = []
        for copy in range(int(options.get("copies", "1"))):
            log_path = self.workdir / f"background-{block.line}-{copy}.log"
            log = open(log_path, "wb")
            process = subprocess.Popen(
                ["bash", "-c", command], cwd=self.workdir, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            entry = {"block": block, "process": process, "log": log, "log_path": log_path}
            self.background.append(entry)
            problem = self._wait_ready(entry, options)
            if problem:
                problems.append(problem)
        self.results[block.line] = {"problem": "; ".join(problems) or None, "output": ""}

    def _wait_ready(self, entry, options) -> str | None:
        url = options.get("ready-url")
        line = options.get("ready-line")
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if entry["process"].poll() is not None:
                return f"exited with {entry['process'].returncode}: {entry['log_path'].read_text(errors='replace')[-2000:]}"
            if url:
                try:
                    with urllib.request.urlopen(self.substitute(url), timeout=2) as response:
                        if response.status == 200:
                            return None
                except OSError:
                    pass
            elif line and line in entry["log_path"].read_text(errors="replace"):
                return None
            time.sleep(0.1)
        return f"not ready after {STARTUP_TIMEOUT} s: {entry['log_path'].read_text(errors='replace')[-2000:]}"

    def stop_all(self) -> None:
        """Ctrl-C for each background process (latest first), as a user would."""
        for entry in reversed(self.background):
            process = entry["process"]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    entry["killed"] = True
            entry["log"].close()
            entry["exit"] = process.returncode


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    if shutil.which("curl") is None:
        pytest.fail("the README uses curl: install it to run these tests")
    if shutil.which("redis-server") is None:
        pytest.fail("the README's scale-out step starts redis-server: install Redis to run these tests")
    session = Walkthrough(tmp_path_factory.mktemp("hello"))
    try:
        for block in BLOCKS:
            if block.file:
                session.write(block)
            elif block in SHELL and block.test.kind == "run":
                session.run(block)
            elif block in SHELL and block.test.kind == "background":
                session.start(block)
    finally:
        session.stop_all()
    return session


WALKTHROUGH = [b for b in SHELL if b.test and b.test.kind in ("run", "background")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", WALKTHROUGH, ids=[f"line{b.line}-{b.code.split()[0][:20]}" for b in WALKTHROUGH]
)
def test_walkthrough_block(walkthrough, block):
    result = walkthrough.results.get(block.line)
    assert result is not None, f"{block.where} was not run (an earlier block failed to start?)"
    assert result["problem"] is None, f"{block.where}:\n{block.code}\n{result['problem']}"


@pytest.mark.slow
def test_background_processes_stop_cleanly_on_ctrl_c(walkthrough):
    assert walkthrough.background, "no background process was started"
    for entry in walkthrough.background:
        where = entry["block"].where
        assert not entry.get("killed"), f"{where} did not stop within 30 s of SIGINT"
        if "caikit.runtime" in entry["block"].code:
            assert entry["exit"] == 0, f"{where}: the runtime exited {entry['exit']} on Ctrl-C"
        if "--worker" in entry["block"].code:
            assert entry["exit"] == 0, f"{where}: a worker exited {entry['exit']} on Ctrl-C"


@pytest.mark.slow
def test_quickstart_demo_verbatim():
    """``python3 dev.py demo`` exactly as the README says, from the repository root."""
    block = next(b for b in SHELL if b.test.kind == "run-verbatim")
    command = block.code.split("#")[0].strip()
    assert command == "python3 dev.py demo"
    python3 = shutil.which("python3")
    assert python3, "python3 is not on PATH"
    # a user's shell: not inside this test run's virtual environment or nox session
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOX", "VIRTUAL_ENV", "PYTHON", "RUNTIME_", "LOG_"))}
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bindir)
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=VERBATIM_TIMEOUT
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert "All steps passed" in done.stdout
