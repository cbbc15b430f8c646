"""The seeds' code examples are the contract: run them verbatim with the acceptance runner in
../shared/acceptance/seed_examples and require every case to pass in this environment."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "..", "shared", "acceptance", "seed_examples", "run.py")


def _case_names() -> list[str]:
    if not os.path.exists(RUNNER):
        return ["runner-missing"]
    listing = subprocess.run([sys.executable, RUNNER, "--list"], capture_output=True, text=True, check=True)
    return [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    assert os.path.exists(RUNNER), f"the acceptance runner is expected at {RUNNER}"
    out = tmp_path_factory.mktemp("seed") / "report.json"
    subprocess.run(
        [sys.executable, RUNNER, "--python", sys.executable, "--json-out", str(out), "-j", "2"],
        capture_output=True, text=True, timeout=900,
    )
    with open(out, encoding="utf-8") as handle:
        return {case["name"]: case for case in json.load(handle)["cases"]}


@pytest.mark.slow
@pytest.mark.parametrize("case", _case_names())
def test_seed_example(report, case):
    result = report[case]
    assert result["status"] == "PASS", (
        f"{case}: {result['reason']}\n--- stdout\n{result['stdout'][-2000:]}\n--- stderr\n{result['stderr'][-3000:]}"
    )
