"""``dump_services`` writes the same ``.proto`` files as caikit 0.29.1 for the same library
(recorded by ``fixtures/record_reference_dump.py``)."""
import subprocess
import sys

from runtime_test_helpers import FIXTURES, base_env


def _dump(tmp_path, *args):
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "caikit.runtime.dump_services", str(out), *args],
        env=base_env(), check=True, capture_output=True, cwd=tmp_path,
    )
    return out


def test_one_file_per_object_matches_the_reference_byte_for_byte(tmp_path):
    out = _dump(tmp_path)
    reference = FIXTURES / "reference_dump_sample_lib"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference.iterdir())
    for expected in reference.iterdir():
        assert (out / expected.name).read_text() == expected.read_text(), expected.name


def _without_imports(text):
    return [line for line in text.splitlines() if not line.startswith("import ")]


def test_consolidated_packages_match_the_reference(tmp_path):
    out = _dump(tmp_path, "-p")
    reference = FIXTURES / "reference_dump_sample_lib_consolidated"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference.iterdir())
    for expected in reference.iterdir():
        # the reference also imports files it does not use; everything else is identical
        assert _without_imports((out / expected.name).read_text()) == _without_imports(expected.read_text()), expected.name


def test_clean_and_modules_json(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.proto").write_text("old")
    _dump(tmp_path, "-c", "-j")
    assert not (out / "stale.proto").exists()
    import json

    # as caikit 0.29.1: to backwards_compatibility.current_modules_path, relative to the
    # working directory (test_backwards_compatibility.py)
    modules = json.loads((tmp_path / "modules.json").read_text())["included_modules"]
    assert set(modules) == {"GreetingTask", "TallyTask"}
    assert set(modules["GreetingTask"]) == {"sample-greeter"}


def test_openapi_json_when_http_is_enabled(tmp_path):
    out = tmp_path / "out"
    env = base_env(RUNTIME_HTTP_ENABLED="true")
    subprocess.run([sys.executable, "-m", "caikit.runtime.dump_services", str(out)], env=env, check=True, capture_output=True, cwd=tmp_path)
    import json

    document = json.loads((out / "openapi.json").read_text())
    assert document["openapi"].startswith("3.")
    assert any(path.endswith("/task/greeting") for path in document["paths"])
