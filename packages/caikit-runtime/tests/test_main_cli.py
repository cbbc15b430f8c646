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
