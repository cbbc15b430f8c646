"""The Quickstart demo (examples/demo.py) runs, tells its story, gives the right answers over
both protocols and through compose, writes its diagram, and leaves no server behind.

One run of the demo is shared by the checks (it takes a few seconds); a second run shows that a
runtime that cannot start makes the demo fail with a clear message and a non-zero status.
"""
import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo.py"
TIMEOUT = 300  # only bounds a hung run; the demo takes seconds


def _run_demo(out: pathlib.Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DEMO), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **env},
        cwd=out.parent,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    result = _run_demo(out)
    return result, out


def _ok(demo):
    result, out = demo
    assert result.returncode == 0, f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    return result.stdout, out


@pytest.mark.slow
def test_demo_exits_zero_and_tells_every_step(demo):
    stdout, _ = _ok(demo)
    titles = re.findall(r"^(\d+)\. (.+)$", stdout, flags=re.M)
    assert [int(n) for n, _ in titles] == list(range(1, 10)), titles
    joined = " | ".join(t for _, t in titles)
    for topic in ("configuration", "factories", "data object", "Training", "python -m caikit.runtime",
                  "HTTP", "gRPC", "Stopping", "caikit-compose"):
        assert topic in joined, f"no step about {topic!r}: {joined}"
    assert stdout.count("✓") == 9
    assert re.search(r"All steps passed in \d+\.\d s", stdout)


@pytest.mark.slow
def test_demo_shows_config_override_and_factory(demo):
    stdout, _ = _ok(demo)
    assert "with DEMO_REPEAT=3 set in the environment -> demo.repeat = 3 (int)" in stdout
    assert "'TICKET: HELLO!'" in stdout
    assert re.search(r"LOCAL\s+entry point of caikit-compose\n", stdout)
    assert "has no type 'KAFKA'" in stdout


@pytest.mark.slow
def test_demo_trains_with_progress_and_saves_models(demo):
    stdout, out = _ok(demo)
    for number, model_id in enumerate(["ticket-classifier", "tokenizer", "entity-tagger", "embedder"], 1):
        assert re.search(rf"\[{number}/4\] {model_id}\s+\w+\s+█{{24}}", stdout), model_id
        assert (out / "models" / model_id / "config.yml").is_file()
    assert stdout.count("52 records") == 3


@pytest.mark.slow
def test_demo_answers_over_http_and_grpc(demo):
    stdout, _ = _ok(demo)
    assert "curl -s -X POST http://127.0.0.1:" in stdout
    assert '{"label": "billing", "score": 0.9' in stdout  # the JSON the server returned
    assert "TextClassificationTaskPredict -> billing" in stdout
    assert "tokens streamed back: ['Where', 'is', 'my', 'parcel', '?'" in stdout
    assert "loaded embedder, entity-tagger, ticket-classifier, tokenizer" in stdout
    assert 'predict_rpc_count_total{code="OK",grpc_request="TextClassificationTaskPredict"' in stdout


@pytest.mark.slow
def test_demo_stops_the_server_cleanly(demo):
    stdout, out = _ok(demo)
    assert "exit status 0" in stdout
    ports = re.search(r"gRPC on :(\d+), HTTP on :(\d+), metrics on :(\d+)", stdout)
    assert ports, stdout
    for port in ports.groups():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0, f"something still listens on {port}"
    assert (out / "runtime.log").is_file()


@pytest.mark.slow
def test_demo_compose_pipeline_and_diagram(demo):
    stdout, out = _ok(demo)
    expected = {
        "ticket-0": "billing",
        "ticket-1": "shipping",
        "ticket-2": "technical",
        "ticket-3": "account",
    }
    for data_id, label in expected.items():
        assert re.search(rf"^\s+{data_id}\s+{label}\s", stdout, flags=re.M), (data_id, label)
    assert "CITY:Rotterdam, DATE:March 3" in stdout
    assert "PRODUCT:Nimbus Router" in stdout
    svg = (out / "pipeline.svg").read_text()
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "</svg>" in svg
    for name in ("Ticket", "NaiveBayesClassifier.run", "LexiconTokenClassifier.run", "KEY_GROUPING"):
        assert name in svg
    dot = (out / "pipeline.dot").read_text()
    assert dot.startswith("digraph")


@pytest.mark.slow
def test_demo_fails_clearly_when_the_runtime_cannot_start(tmp_path):
    # TLS files that do not exist: valid config for the demo's own process, fatal for the
    # server at boot
    missing = str(tmp_path / "missing")
    result = _run_demo(
        tmp_path / "out",
        RUNTIME_TLS_SERVER_KEY=missing + ".key",
        RUNTIME_TLS_SERVER_CERT=missing + ".crt",
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "The demo failed at step 5" in result.stderr
    assert "the runtime exited with" in result.stderr
    assert "All steps passed" not in result.stdout
