"""``runtime.service_generation.backwards_compatibility`` and ``dump_services -j``.

What caikit 0.29.1 does (recorded in ``fixtures/reference_backwards_compatibility.md``):
``-j`` writes ``modules.json`` to ``current_modules_path`` (relative to the working
directory); with the check enabled, a module id of ``prev_modules_path`` that is no longer
served (removed, renamed or filtered out) stops the servers and ``dump_services``; a
compatible library gets exactly the services it gets without the check. sample_lib serves
``sample-greeter`` (GreetingTask) and ``sample-counter`` (TallyTask).
"""
import json
import subprocess
import sys

import pytest
from runtime_test_helpers import base_env, channel_to

BREAKING = "BREAKING CHANGE! Found unsupported module(s) that were previously supported: "
ENABLED = "RUNTIME_SERVICE_GENERATION_BACKWARDS_COMPATIBILITY_ENABLED"
PREV = "RUNTIME_SERVICE_GENERATION_BACKWARDS_COMPATIBILITY_PREV_MODULES_PATH"
CURRENT = "RUNTIME_SERVICE_GENERATION_BACKWARDS_COMPATIBILITY_CURRENT_MODULES_PATH"
SAMPLE_MODULES = {
    "GreetingTask": {"sample-greeter": "<class 'sample_lib.modules.GreeterModule'>"},
    "TallyTask": {"sample-counter": "<class 'sample_lib.modules.CounterModule'>"},
}


def _dump(cwd, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "caikit.runtime.dump_services", "out", *args],
        env=base_env(**env), capture_output=True, text=True, cwd=cwd,
    )


def _previous(tmp_path, included, name="prev.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"included_modules": included}))
    return str(path)


def _files(directory):
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def test_dash_j_writes_modules_json_to_the_working_directory_as_the_reference(tmp_path):
    done = _dump(tmp_path, "-j", "-p")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out" / "modules.json").exists()
    text = (tmp_path / "modules.json").read_text()
    assert json.loads(text) == {"included_modules": SAMPLE_MODULES}
    # the reference's layout: sorted keys, 4-space indent, no final newline
    assert text == json.dumps({"included_modules": SAMPLE_MODULES}, indent=4, sort_keys=True)
    assert text.startswith('{\n    "included_modules": {\n        "GreetingTask": {\n') and text.endswith("}\n}")


def test_dash_j_writes_to_current_modules_path(tmp_path):
    target = tmp_path / "api" / "current.json"
    target.parent.mkdir()
    assert _dump(tmp_path, "-j", **{CURRENT: str(target)}).returncode == 0
    assert json.loads(target.read_text())["included_modules"] == SAMPLE_MODULES
    assert not (tmp_path / "modules.json").exists()


@pytest.mark.parametrize(
    ("previous", "regressed"),
    [
        # a module removed from (or renamed in) the library
        ({**SAMPLE_MODULES, "OldTask": {"old-module": "<class 'sample_lib.Old'>"}}, "{'old-module'}"),
        ({"GreetingTask": {"greeter-v0": "x", "sample-greeter": "y"}, "X": {"gone": "z"}}, "{'gone', 'greeter-v0'}"),
    ],
)
def test_dump_refuses_when_a_previous_module_is_not_served(tmp_path, previous, regressed):
    done = _dump(tmp_path, "-p", "-j", **{ENABLED: "true", PREV: _previous(tmp_path, previous)})
    assert done.returncode == 2
    assert f"configuration error: {BREAKING}{regressed}" in done.stderr
    assert "BREAKING CHANGE FOUND!" in done.stderr  # the reference's log lines, too
    for module_id in regressed.strip("{}").replace("'", "").split(", "):
        assert f"Regressed module: {module_id}" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not (tmp_path / "modules.json").exists()


def test_a_filtered_out_module_counts_as_dropped(tmp_path):
    env = {ENABLED: "true", PREV: _previous(tmp_path, SAMPLE_MODULES), "RUNTIME_SERVICE_GENERATION_MODULE_GUIDS_EXCLUDED": "[sample-counter]"}
    done = _dump(tmp_path, **env)
    assert done.returncode == 2 and f"{BREAKING}{{'sample-counter'}}" in done.stderr


@pytest.mark.parametrize(
    "previous",
    [
        SAMPLE_MODULES,  # the same modules
        {"GreetingTask": {"sample-greeter": "x"}},  # modules were added since
        {"OtherTask": {"sample-counter": "x"}},  # a module moved to another task: ids only
        {},
    ],
)
def test_compatible_libraries_get_the_same_services(tmp_path, previous):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert _dump(plain, "-p").returncode == 0
    done = _dump(tmp_path, "-p", **{ENABLED: "true", PREV: _previous(tmp_path, previous)})
    assert done.returncode == 0, done.stderr
    assert _files(tmp_path / "out") == _files(plain / "out")


def test_the_previous_file_is_relative_to_the_working_directory(tmp_path):
    _previous(tmp_path, SAMPLE_MODULES, name="prev_modules.json")  # the default name
    assert _dump(tmp_path, **{ENABLED: "true"}).returncode == 0
    _previous(tmp_path, {"T": {"gone": "x"}}, name="prev_modules.json")
    assert _dump(tmp_path, **{ENABLED: "true"}).returncode == 2


def test_disabled_by_default(tmp_path):
    _previous(tmp_path, {"T": {"gone": "x"}}, name="prev_modules.json")
    assert _dump(tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is not a valid file path or is missing permissions"),
        ("not json", "is not a JSON file"),
        ("{}", "is not a modules.json"),
        ('{"included_modules": {"T": ["a"]}}', "is not a modules.json"),
    ],
)
def test_a_previous_file_that_cannot_be_used_is_refused(tmp_path, content, message):
    path = tmp_path / "prev.json"
    if content is not None:
        path.write_text(content)
    done = _dump(tmp_path, **{ENABLED: "true", PREV: str(path)})
    assert done.returncode == 2
    assert f"runtime.service_generation.backwards_compatibility.prev_modules_path: {path} {message}" in done.stderr


def test_enabled_must_be_a_boolean(tmp_path):
    # from the environment, the configuration layer refuses it
    done = _dump(tmp_path, **{ENABLED: "sometimes"})
    assert done.returncode != 0 and "backwards_compatibility.enabled, which must be a boolean" in done.stderr
    # from a file, the check does
    config = tmp_path / "config.yml"
    config.write_text("runtime:\n  service_generation:\n    backwards_compatibility:\n      enabled: 'yes'\n")
    done = _dump(tmp_path, CONFIG_FILES=str(config))
    assert done.returncode == 2
    assert "backwards_compatibility.enabled: must be true or false, got 'yes'" in done.stderr


def test_the_runtime_does_not_start_with_a_dropped_module(runtime, tmp_path):
    server = runtime(wait=False, **{ENABLED: "true", PREV: _previous(tmp_path, {**SAMPLE_MODULES, "T": {"gone": "x"}})})
    assert server.proc.wait(timeout=60) == 2
    assert f"caikit-runtime: configuration error: {BREAKING}{{'gone'}}" in server.log()


def test_the_runtime_serves_a_compatible_library(runtime, tmp_path):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    server = runtime(**{ENABLED: "true", PREV: _previous(tmp_path, SAMPLE_MODULES)})
    with channel_to(server.port) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        (listed,) = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    assert "caikit.runtime.SampleLib.SampleLibService" in {s.name for s in listed.list_services_response.service}
    assert not (tmp_path / "modules.json").exists()  # as the reference: nothing written at start-up


def test_the_http_server_alone_does_not_start_either(runtime, tmp_path):
    pytest.importorskip("caikit.runtime.http_server")
    from runtime_test_helpers import free_port

    env = {ENABLED: "true", PREV: _previous(tmp_path, {"T": {"gone": "x"}}), "RUNTIME_HTTP_ENABLED": "true", "RUNTIME_HTTP_PORT": str(free_port())}
    server = runtime(args=["--http-only"], wait=False, **env)
    assert server.proc.wait(timeout=60) == 2
    assert f"{BREAKING}{{'gone'}}" in server.log()
