"""``caikit-runtime`` command line options."""
import pytest
from caikit.runtime.__main__ import _parse_args


def test_flags():
    assert not _parse_args([]).grpc_only
    assert _parse_args(["--grpc-only"]).grpc_only
    assert _parse_args(["--http-only"]).http_only


def test_help_prints_usage(capsys):
    assert _parse_args(["--help"]) is None
    assert "usage: caikit-runtime" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--bogus"], ["--grpc-only", "--http-only"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        _parse_args(argv)
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_help_explains_the_config_keys(capsys):
    assert _parse_args(["-h"]) is None
    out = capsys.readouterr().out
    for expected in ("RUNTIME_LIBRARY", "RUNTIME_LOCAL_MODELS_DIR", "CONFIG_FILES", "docs/configuration.md"):
        assert expected in out


def test_bad_config_value_names_key_value_and_what_is_allowed():
    import os
    import subprocess
    import sys

    env = {**os.environ, "RUNTIME_GRPC_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "caikit.runtime"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "RUNTIME_GRPC_PORT='eighty'" in result.stderr
    assert "runtime.grpc.port" in result.stderr and "must be an integer" in result.stderr
    assert "Traceback" not in result.stderr
