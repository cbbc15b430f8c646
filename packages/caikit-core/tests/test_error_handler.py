"""error_handler: each failing check logs one line with its code, then raises."""
import json
import logging

import pytest
from caikit.core.exceptions import CaikitCoreException, CaikitCoreStatusCode, error_handler


@pytest.fixture
def channel():
    log = logging.getLogger("TESTEH")
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect()
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    yield log, records
    log.removeHandler(handler)


def test_get_returns_one_handler_per_channel(channel):
    log, _ = channel
    assert error_handler.get(log) is error_handler.get(log)


def test_type_check_passes_silently(channel):
    log, records = channel
    error_handler.get(log).type_check("<TST1E>", str, int, a="x", b=3)
    assert records == []


def test_type_check_message_and_log_line(channel):
    log, records = channel
    with pytest.raises(TypeError) as info:
        error_handler.get(log).type_check("<TST2E>", str, data=123)
    assert str(info.value) == (
        "type check failed: variable `data` has type `int` (fully qualified name `builtins.int`) "
        "not in `('str',)`"
    )
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].msg["log_code"] == "<TST2E>"
    assert records[0].msg["message"] == f"exception raised: {info.value!r}"


def test_type_check_allow_none(channel):
    log, _ = channel
    error = error_handler.get(log)
    error.type_check("<TST3E>", str, allow_none=True, x=None)
    with pytest.raises(TypeError):
        error.type_check("<TST3E>", str, x=None)


def test_value_check_keeps_documented_text(channel):
    log, records = channel
    with pytest.raises(ValueError) as info:
        error_handler.get(log).value_check("<TST4E>", 0 > 0, "Invalid param value (%d). Must be > 0", 0)
    assert str(info.value) == "value check failed: Invalid param value (%d). Must be > 0"
    assert records[0].msg["log_code"] == "<TST4E>"


def test_type_check_all(channel):
    log, _ = channel
    error = error_handler.get(log)
    error.type_check_all("<TST5E>", int, values=[1, 2])
    with pytest.raises(TypeError, match="element 1"):
        error.type_check_all("<TST5E>", int, values=[1, "2"])
    with pytest.raises(TypeError):
        error.type_check_all("<TST5E>", int, values=5)


def test_subclass_check(channel):
    log, _ = channel
    error = error_handler.get(log)
    error.subclass_check("<TST6E>", bool, int)
    with pytest.raises(TypeError, match="subclass"):
        error.subclass_check("<TST6E>", str, int)


def test_file_and_dir_checks(channel, tmp_path):
    log, _ = channel
    error = error_handler.get(log)
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    error.file_check("<TST7E>", str(afile))
    error.dir_check("<TST7E>", str(tmp_path))
    with pytest.raises(FileNotFoundError):
        error.file_check("<TST7E>", str(tmp_path / "nope"))
    with pytest.raises(IsADirectoryError):
        error.file_check("<TST7E>", str(tmp_path))
    with pytest.raises(NotADirectoryError):
        error.dir_check("<TST7E>", str(afile))


def test_log_raise_chains_root_cause(channel):
    log, _ = channel
    root = KeyError("k")
    with pytest.raises(ValueError) as info:
        error_handler.get(log).log_raise("<TST8E>", ValueError("bad"), root)
    assert info.value.__cause__ is root


@pytest.fixture
def restored_root_logger():
    """alog.configure replaces the root logger's handlers with one on the current (captured)
    stderr; put the previous ones back, or later log lines (from threads outliving their
    tests) would go to a closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_log_line_format(capsys, restored_root_logger):
    import alog

    alog.configure(default_level="info", formatter="json", thread_id=True)
    log = alog.use_channel("JSONT")
    with pytest.raises(TypeError):
        error_handler.get(log).type_check("<TST9E>", str, data=1)
    line = next(ln for ln in capsys.readouterr().err.splitlines() if "TST9E" in ln)
    record = json.loads(line)
    assert record["channel"] == "JSONT"
    assert record["level"] == "error"
    assert record["log_code"] == "<TST9E>"
    assert record["message"].startswith("exception raised: TypeError(")
    assert "thread_id" in record and "timestamp" in record


def test_caikit_core_exception_carries_code_and_id():
    err = CaikitCoreException(CaikitCoreStatusCode.NOT_FOUND, "no model")
    assert err.status_code is CaikitCoreStatusCode.NOT_FOUND
    assert str(err) == "no model"
    assert len(err.id) == 32
