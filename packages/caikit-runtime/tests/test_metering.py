"""runtime.metering: successful predict calls counted per module class, written as caikit 0.29.1 does.

The expected behaviour is what caikit 0.29.1 was seen to do (``fixtures/reference_metering.md``,
recorded by running it): one file per server, ``predict_rpc_metrics_<container_id>.json``, one
JSON line appended per interval with calls, counts per ``str(type(model))``, failures not
counted, streaming calls counted once, the last partial interval written at stop.

Real gRPC and HTTP servers on loopback in this process (and one ``python -m caikit.runtime``
subprocess for SIGTERM and the start-up error); waiting is by polling, never fixed sleeps.
"""
from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import grpc
import pytest
import requests

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

import http_support  # noqa: E402
from runtime_test_helpers import (  # noqa: E402
    base_env,
    channel_to,
    free_port,
    rpc_error,
    save_greeter,
    stub,
    wait_for,
)
from sample_lib import CounterModule, GreeterModule  # noqa: E402

TIMEOUT = 20  # bounds a hung call; never decides a result
GREETER = str(GreeterModule)  # "<class 'sample_lib.modules.GreeterModule'>"
COUNTER = str(CounterModule)
FILE_NAME = re.compile(r"^predict_rpc_metrics_([0-9a-f]{8}_[0-9a-f]{4}_4[0-9a-f]{3}_[0-9a-f]{4}_[0-9a-f]{12})\.json$")


def reference_lines() -> List[Dict[str, Any]]:
    """The reference's lines quoted in the record (its section ``REFERENCE_LINES``)."""
    text = (FIXTURES / "reference_metering.md").read_text(encoding="utf-8")
    block = text.split("## REFERENCE_LINES", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    return [json.loads(line) for line in block.strip().splitlines()]


def assert_reference_shape(record: Dict[str, Any], container_id: str) -> None:
    """``record`` has the structure of the reference's lines (keys, their order, value types)."""
    reference = reference_lines()[0]
    assert list(record) == list(reference) == ["timestamp", "batch_size", "model_type_counters", "container_id"]
    for key, value in reference.items():
        assert type(record[key]) is type(value), key
    for name, value in record["model_type_counters"].items():
        assert re.fullmatch(r"<class '[\w.]+'>", name) and type(value) is int
    for name in reference["model_type_counters"]:  # the reference's keys look the same
        assert re.fullmatch(r"<class '[\w.]+'>", name)
    assert record["batch_size"] == sum(record["model_type_counters"].values())
    assert record["container_id"] == container_id


def read_lines(path: Path) -> List[Dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "a line without its newline"
    return [json.loads(line) for line in text.splitlines()]


class Served:
    def __init__(self, grpc_server: Any, http_server: Any, log_dir: Path):
        self.grpc = grpc_server
        self.http = http_server
        self.log_dir = log_dir
        self.channel = grpc_server.make_local_channel()
        self.stub = grpc_server.inference_service.stub_class(self.channel)
        self.messages = grpc_server.inference_service.messages

    def grpc_greet(self, name: str, model_id: str = "greeter") -> Any:
        return self.stub.GreetingTaskPredict(
            self.messages.GreetingTaskRequest(name=name), metadata=[("mm-model-id", model_id)], timeout=TIMEOUT
        )

    def grpc_stream(self, name: str, model_id: str = "greeter") -> List[str]:
        request = self.messages.ServerStreamingGreetingTaskRequest(name=name, repeat=3)
        replies = self.stub.ServerStreamingGreetingTaskPredict(request, metadata=[("mm-model-id", model_id)], timeout=TIMEOUT)
        return [reply.greeting for reply in replies]

    def http_predict(self, route: str, model_id: str, inputs: Any) -> requests.Response:
        body = {"model_id": model_id, "inputs": inputs}
        return requests.post(http_support.url(self.http, f"/api/v1/task/{route}"), json=body, timeout=TIMEOUT)

    def file_of(self, server: Any) -> Path:
        return Path(server.meter.path)


@contextlib.contextmanager
def serving(tmp_path: Path, metering: Dict[str, Any], http: bool = True) -> Iterator[Served]:
    """gRPC (and HTTP) servers of sample_lib with ``runtime.metering``; stopped (0 grace) at the end."""
    import caikit.config
    from caikit.runtime.grpc_server import RuntimeGRPCServer
    from caikit.runtime.http_server import RuntimeHTTPServer

    models_dir = tmp_path / "models"
    models_dir.mkdir(exist_ok=True)
    save_greeter(models_dir, "greeter")
    save_greeter(models_dir, "greeter2", "Hi {}")
    CounterModule().save(str(models_dir / "counter"))
    log_dir = tmp_path / "metering"
    settings = {
        "library": "sample_lib",
        "local_models_dir": str(models_dir),
        "lazy_load_local_models": False,
        "grpc": {"port": 0, "server_shutdown_grace_period_seconds": 0},
        "http": {"port": 0, "server_shutdown_grace_period_seconds": 0},
        "metrics": {"enabled": False},
        "metering": {"log_dir": str(log_dir), **metering},
    }
    with caikit.config.temp_config({"runtime": settings}):
        http_support.reset_runtime_state()
        grpc_server = RuntimeGRPCServer()
        http_server = RuntimeHTTPServer() if http else None
        served = None
        try:
            grpc_server.start(blocking=False)
            if http_server is not None:
                http_server.start(blocking=False)
            served = Served(grpc_server, http_server, log_dir)
            yield served
        finally:
            if served is not None:
                served.channel.close()
            if http_server is not None:
                http_server.stop(0)
            grpc_server.stop(0)
            http_support.reset_runtime_state()


def _metering_threads() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "caikit-metering" and t.is_alive()]


# -- what is counted --------------------------------------------------------------------------


def test_grpc_and_http_successes_counted_per_module_class_one_file_per_server(tmp_path):
    with serving(tmp_path, {"enabled": True, "log_interval": 3600}) as served:
        assert served.grpc_greet("Ada").greeting == "Hello Ada"
        assert served.grpc_greet("Bob").greeting == "Hello Bob"
        assert served.grpc_greet("Cy", "greeter2").greeting == "Hi Cy"  # same class, other model
        assert served.grpc_stream("Dee") == ["Hello Dee #0", "Hello Dee #1", "Hello Dee #2"]  # once
        # failures: a model error, an unknown model, no model id -- none counted
        assert rpc_error(served.grpc_greet, "value-error").code() == grpc.StatusCode.INVALID_ARGUMENT
        assert rpc_error(served.grpc_greet, "x", "nosuch").code() == grpc.StatusCode.NOT_FOUND
        assert rpc_error(served.grpc_greet, "x", "").code() == grpc.StatusCode.INVALID_ARGUMENT

        assert served.http_predict("greeting", "greeter", "Eve").status_code == 200
        assert served.http_predict("tally", "counter", [{"name": "Ann", "age": 3}]).status_code == 200
        assert served.http_predict("greeting", "greeter", "value-error").status_code == 400
        assert served.http_predict("greeting", "nosuch", "x").status_code == 404

        grpc_meter, http_meter = served.grpc.meter, served.http.meter
        assert grpc_meter.pending() == 4 and http_meter.pending() == 2
        grpc_file, http_file = served.file_of(served.grpc), served.file_of(served.http)
        assert not grpc_file.exists() and not http_file.exists()  # nothing before the interval ends
    # stopping wrote the (only, partial) interval of each server
    files = sorted(p.name for p in served.log_dir.iterdir())
    assert files == sorted([grpc_file.name, http_file.name])
    assert all(FILE_NAME.match(name) for name in files)
    assert grpc_meter.container_id != http_meter.container_id

    [grpc_line] = read_lines(grpc_file)
    assert_reference_shape(grpc_line, grpc_meter.container_id)
    assert grpc_line["model_type_counters"] == {GREETER: 4}
    assert grpc_line["batch_size"] == 4
    [http_line] = read_lines(http_file)
    assert_reference_shape(http_line, http_meter.container_id)
    assert http_line["model_type_counters"] == {GREETER: 1, COUNTER: 1}
    assert http_line["batch_size"] == 2
    assert FILE_NAME.match(grpc_file.name).group(1) == grpc_meter.container_id


def test_short_interval_appends_one_line_per_interval_with_calls(tmp_path):
    interval = 0.2
    with serving(tmp_path, {"enabled": True, "log_interval": interval}, http=False) as served:
        path = served.file_of(served.grpc)
        served.grpc_greet("a")
        served.grpc_greet("b")
        wait_for(lambda: path.exists() and len(read_lines(path)) == 1, timeout=TIMEOUT, what="the first line")
        first_inode = path.stat().st_ino
        served.grpc_greet("c", "greeter2")
        wait_for(lambda: len(read_lines(path)) == 2, timeout=TIMEOUT, what="the second line")
        # idle intervals write nothing: the meter's thread goes on ticking and the file stays
        ticks = threading.Event()
        meter = served.grpc.meter
        original = meter.flush

        def counting_flush():
            result = original()
            if result is None:
                ticks.set()
            return result

        meter.flush = counting_flush
        assert ticks.wait(TIMEOUT), "no idle tick"
        ticks.clear()
        assert ticks.wait(TIMEOUT), "no second idle tick"
        lines = read_lines(path)
        assert len(lines) == 2
        # each line counts its own interval (not a running total)
        assert [line["model_type_counters"] for line in lines] == [{GREETER: 2}, {GREETER: 1}]
        assert lines[0]["timestamp"] < lines[1]["timestamp"]
        for line in lines:
            assert_reference_shape(line, meter.container_id)
        # written by rename: a new file each time, and no temporary file left behind
        assert path.stat().st_ino != first_inode
        assert [p.name for p in served.log_dir.iterdir()] == [path.name]
    assert len(read_lines(path)) == 2  # nothing counted since: the stop writes no line


def test_counts_are_not_lost_while_writing(tmp_path):
    """Threads counting while the file is written: every call is in exactly one line."""
    from caikit.runtime.metering import RPCMeter

    class Entry:
        instance = GreeterModule()

    meter = RPCMeter(str(tmp_path / "m"), 3600, lambda model_id: Entry)
    per_thread, threads = 2000, 4
    go = threading.Event()

    def count():
        go.wait()
        for _ in range(per_thread):
            meter.count("greeter")

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    go.set()
    while any(w.is_alive() for w in workers):
        meter.flush()
    for worker in workers:
        worker.join()
    meter.stop()
    lines = read_lines(Path(meter.path))
    assert sum(line["batch_size"] for line in lines) == per_thread * threads


# -- stopping ---------------------------------------------------------------------------------


def test_sigterm_writes_the_last_partial_interval_of_each_server(tmp_path, runtime, models_dir):
    save_greeter(models_dir, "greeter")
    log_dir = tmp_path / "meter-logs"
    http_port = str(free_port())
    process = runtime(
        RUNTIME_HTTP_ENABLED="true",
        RUNTIME_HTTP_PORT=http_port,
        RUNTIME_METERING_ENABLED="true",
        RUNTIME_METERING_LOG_DIR=str(log_dir),
        RUNTIME_METERING_LOG_INTERVAL="3600",
    )
    def http_up() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{http_port}/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(http_up, timeout=TIMEOUT, what="the HTTP server")
    from caikit.config import temp_config
    from caikit.runtime.service_generation import get_services

    with temp_config({"runtime": {"library": "sample_lib"}}) as config:
        services = get_services(config.runtime)
    with channel_to(process.port) as channel:
        inference, messages = stub(services, "inference", channel)
        for name in ("a", "b", "c"):
            inference.GreetingTaskPredict(messages.GreetingTaskRequest(name=name), metadata=[("mm-model-id", "greeter")], timeout=TIMEOUT)
    answer = requests.post(f"http://127.0.0.1:{http_port}/api/v1/task/greeting", json={"model_id": "greeter", "inputs": "d"}, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert log_dir.is_dir() and list(log_dir.iterdir()) == []  # created at start, nothing written yet
    assert process.stop() == 0
    lines = sorted((read_lines(path) for path in log_dir.iterdir()), key=lambda ls: -ls[0]["batch_size"])
    assert [[line["model_type_counters"] for line in ls] for ls in lines] == [[{GREETER: 3}], [{GREETER: 1}]]
    for path in log_dir.iterdir():
        [line] = read_lines(path)
        assert_reference_shape(line, FILE_NAME.match(path.name).group(1))


# -- disabled, and refused settings -----------------------------------------------------------


def test_disabled_no_thread_no_directory_no_cost(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with serving(tmp_path, {"enabled": False, "log_dir": "metering_logs"}) as served:
        assert served.grpc.meter is None and served.http.meter is None
        assert served.grpc_greet("Ada").greeting == "Hello Ada"
        assert served.http_predict("greeting", "greeter", "Eve").status_code == 200
        assert _metering_threads() == []
        # the handlers get the metrics themselves: nothing added to the request path
        assert served.grpc._handler_metrics is served.grpc.metrics
        assert served.http.context.metrics is served.http.metrics
    assert not (tmp_path / "metering_logs").exists()
    assert not (tmp_path / "metering").exists()


def test_default_is_disabled():
    from caikit.runtime.config import DEFAULTS

    assert DEFAULTS["runtime"]["metering"] == {"enabled": False, "log_dir": "metering_logs", "log_interval": 3600}


def test_enabled_runs_one_writer_thread_per_server_and_stops_it(tmp_path):
    with serving(tmp_path, {"enabled": True, "log_interval": 3600}) as served:
        threads = {served.grpc.meter.thread, served.http.meter.thread}
        assert len(threads) == 2 and all(t.daemon and t.is_alive() for t in threads)
    assert not any(t.is_alive() for t in threads)


@pytest.mark.parametrize(
    "metering, key",
    [
        ({"enabled": True, "log_interval": 0}, "runtime.metering.log_interval"),
        ({"enabled": True, "log_interval": -5}, "runtime.metering.log_interval"),
        ({"enabled": True, "log_interval": "hourly"}, "runtime.metering.log_interval"),
        ({"enabled": True, "log_interval": True}, "runtime.metering.log_interval"),
        ({"enabled": True, "log_interval": 10, "log_dir": ""}, "runtime.metering.log_dir"),
        ({"enabled": "yes please", "log_interval": 10}, "runtime.metering.enabled"),
    ],
)
def test_bad_settings_refused_at_start_naming_the_key(tmp_path, metering, key):
    from caikit.runtime.metering import MeteringConfigError

    with pytest.raises(MeteringConfigError, match=re.escape(key)):
        with serving(tmp_path, metering, http=False):
            pass


def test_unwritable_log_dir_refused_at_start_naming_key_and_path(tmp_path):
    from caikit.runtime.metering import MeteringConfigError

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    bad = blocker / "logs"
    for server in ("grpc", "http"):
        with pytest.raises(MeteringConfigError) as raised:
            with serving(tmp_path, {"enabled": True, "log_interval": 10, "log_dir": str(bad)}, http=server == "http"):
                pass
        assert "runtime.metering.log_dir" in str(raised.value) and str(bad) in str(raised.value)


def test_unwritable_log_dir_stops_the_runtime_with_a_clear_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = base_env(
        RUNTIME_LOCAL_MODELS_DIR=str(tmp_path),
        RUNTIME_GRPC_PORT="0",
        RUNTIME_METERING_ENABLED="true",
        RUNTIME_METERING_LOG_DIR=str(blocker / "logs"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "caikit.runtime"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "caikit-runtime: configuration error: runtime.metering.log_dir" in done.stderr
    assert str(blocker / "logs") in done.stderr
    assert "Traceback" not in done.stderr


def test_reference_record_has_the_lines_compared_against():
    """The record quotes real lines of the reference; the shape checks above mean something."""
    lines = reference_lines()
    assert len(lines) == 2
    for line in lines:
        assert_reference_shape(line, line["container_id"])
    assert lines[0]["model_type_counters"] == {"<class 'greeter_lib.Greeter'>": 4, "<class 'greeter_lib.Shouter'>": 1}
