"""runtime.batching: concurrent unary predict calls to one model run as one ``run_batch``.

Real gRPC and HTTP servers on loopback, in this process, so that the tests can hold a batch
running (``batch_lib.GATE``) while more calls queue behind it, and read what the model saw
(``batch_lib.BATCHES`` / ``SINGLES``). Waiting is on events or on the batcher's queue length,
never on fixed sleeps.
"""
from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import grpc
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import batch_lib
import http_support
from runtime_test_helpers import rpc_error, wait_for

pytestmark = pytest.mark.slow

TIMEOUT = 20  # bounds a hung call; never decides a result

MODELS = {"echo": batch_lib.BatchEcho, "plain": batch_lib.PlainEcho, "ctx": batch_lib.ContextEcho}


class Served:
    """Both servers, a gRPC channel and shortcuts to call the echo models."""

    def __init__(self, grpc_server: Any, http_server: Any, models_dir: Path):
        self.grpc = grpc_server
        self.http = http_server
        self.models_dir = models_dir
        self.channel = grpc_server.make_local_channel()
        self.stub = grpc_server.inference_service.stub_class(self.channel)
        self.messages = grpc_server.inference_service.messages
        self.manager = grpc_server.model_manager

    def grpc_echo(self, text: str, model_id: str = "echo", timeout: float = TIMEOUT, **params: Any) -> Any:
        request = self.messages.EchoTaskRequest(text=text, **params)
        return self.stub.EchoTaskPredict(request, metadata=[("mm-model-id", model_id)], timeout=timeout)

    def http_echo(self, text: str, model_id: str = "echo", **params: Any) -> requests.Response:
        body: Dict[str, Any] = {"model_id": model_id, "inputs": text}
        if params:
            body["parameters"] = params
        return requests.post(http_support.url(self.http, "/api/v1/task/echo"), json=body, timeout=TIMEOUT)

    def batcher(self, model_id: str = "echo") -> Any:
        entry = self.manager.get_loaded_model(model_id)
        assert entry is not None and entry.loaded, f"{model_id} is not loaded"
        return entry.batcher


@contextlib.contextmanager
def serving(tmp_path: Path, batching: Dict[str, Any], models: Optional[Dict[str, type]] = None) -> Iterator[Served]:
    """gRPC and HTTP servers of batch_lib sharing one model manager, with ``runtime.batching``."""
    import caikit.config
    from caikit.runtime.grpc_server import RuntimeGRPCServer
    from caikit.runtime.http_server import RuntimeHTTPServer

    models_dir = tmp_path / "models"
    models_dir.mkdir(exist_ok=True)
    for model_id, cls in (MODELS if models is None else models).items():
        cls().save(str(models_dir / model_id))
    settings = {
        "library": "batch_lib",
        "local_models_dir": str(models_dir),
        "lazy_load_local_models": False,
        "grpc": {"port": 0, "server_shutdown_grace_period_seconds": 0},
        "http": {"port": 0, "server_shutdown_grace_period_seconds": 0},
        "metrics": {"enabled": False},
        "batching": batching,
    }
    batch_lib.reset()
    with caikit.config.temp_config({"runtime": settings}):
        http_support.reset_runtime_state()
        grpc_server = RuntimeGRPCServer()
        http_server = RuntimeHTTPServer()
        served = None
        try:
            grpc_server.start(blocking=False)
            http_server.start(blocking=False)
            served = Served(grpc_server, http_server, models_dir)
            yield served
        finally:
            batch_lib.GATE.set()  # never leave a batch (and the servers' shutdown) waiting
            if served is not None:
                served.channel.close()
            http_server.stop(0)
            grpc_server.stop(0)
            http_support.reset_runtime_state()
            batch_lib.reset()


BATCHED = {"default": {"size": 4, "collect_delay_s": 0.01}}


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batching")


@pytest.fixture(scope="module")
def served_module(module_tmp) -> Iterator[Served]:
    with serving(module_tmp, BATCHED) as served:
        yield served


@pytest.fixture
def served(served_module) -> Iterator[Served]:
    from caikit.runtime.model_management import get_model_manager

    # tests with servers of their own replace the process-wide model manager: they come first
    assert get_model_manager() is served_module.manager, "the shared servers' model manager was replaced"
    batch_lib.reset()
    yield served_module
    batch_lib.GATE.set()
    # every call of the test has been answered: nothing may be left waiting
    wait_for(lambda: served_module.batcher().pending() == 0, timeout=TIMEOUT, what="an empty queue")


@contextlib.contextmanager
def held_batch(served: Served, pool: ThreadPoolExecutor) -> Iterator[Any]:
    """A first call whose batch is running and held (the gate closed) while the block queues
    more calls; the gate opens when the block ends. Yields the first call's future."""
    batch_lib.GATE.clear()
    first = pool.submit(served.grpc_echo, "first")
    try:
        assert batch_lib.ENTERED.wait(TIMEOUT), "the first batch did not start"
        yield first
    finally:
        batch_lib.GATE.set()


def _queued(served: Served, count: int, model_id: str = "echo") -> None:
    batcher = served.batcher(model_id)
    wait_for(lambda: batcher.pending() == count, timeout=TIMEOUT, what=f"{count} calls waiting for a batch")


def _batch_sizes(module_id: str = "batch-echo") -> List[int]:
    return [len(texts) for owner, texts, _ in batch_lib.BATCHES if owner == module_id]


def _ran(text: str) -> bool:
    return any(text in texts for _, texts, _ in batch_lib.BATCHES) or any(t == text for _, t in batch_lib.SINGLES)


# -- lifecycle: servers of their own (first: the module's shared servers start after them) ----


def test_undeploy_answers_queued_calls_and_stops_the_thread(tmp_path):
    from caikit.runtime.grpc_server.service_package import make_service_package

    with serving(tmp_path, BATCHED) as served:
        batcher = served.batcher()
        management = make_service_package(served.grpc.services.model_management)
        manage = management.stub_class(served.channel)
        with ThreadPoolExecutor(8) as pool:
            with held_batch(served, pool) as first:
                over_grpc = [pool.submit(rpc_or_reply, served, f"q{i}") for i in range(2)]
                over_http = pool.submit(served.http_echo, "qh")
                _queued(served, 3)
                manage.UndeployModel(management.messages.UndeployModelRequest(model_id="echo"), timeout=TIMEOUT)
                # answered while the batch ahead of them still runs (the gate is closed)
                errors = [call.result(TIMEOUT) for call in over_grpc]
                response = over_http.result(TIMEOUT)
                assert not first.done()
            assert first.result(TIMEOUT).text == "first"  # the running batch finished for its caller
        assert [(e.code(), e.details()) for e in errors] == [
            (grpc.StatusCode.UNAVAILABLE, "Model echo was undeployed while the call waited for its batch")
        ] * 2
        assert response.status_code == 501  # UNAVAILABLE's HTTP status (caikit 0.29.1's mapping)
        assert batcher.join(TIMEOUT)
        assert not batcher.thread.is_alive()
        assert not any(_ran(f"q{i}") for i in range(2)) and not _ran("qh")
        assert rpc_error(served.grpc_echo, "x").code() == grpc.StatusCode.NOT_FOUND


def test_shutdown_answers_queued_calls_and_stops_the_thread(tmp_path):
    with serving(tmp_path, BATCHED) as served:
        batcher = served.batcher()
        with ThreadPoolExecutor(8) as pool:
            with held_batch(served, pool):
                queued = [pool.submit(rpc_or_reply, served, f"z{i}") for i in range(2)]
                _queued(served, 2)
                closing = pool.submit(served.manager.shutdown)  # what stopping the runtime does
                errors = [call.result(TIMEOUT) for call in queued]
            closing.result(TIMEOUT)
        assert {e.code() for e in errors} == {grpc.StatusCode.UNAVAILABLE}
        assert batcher.join(TIMEOUT)
        assert not any(t.name.startswith("caikit-batch") and t.is_alive() for t in threading.enumerate())


def test_no_batcher_and_no_thread_when_size_is_zero(tmp_path):
    with serving(tmp_path, {"default": {"size": 0}}) as served:
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda i: served.grpc_echo(f"n{i}").batch_size, range(8)))
        assert served.http_echo("h").json() == {"text": "h", "batch_size": 1}
        assert replies == [1] * 8
        for model_id in MODELS:
            assert served.batcher(model_id) is None
            assert "run" not in vars(served.manager.retrieve_model(model_id))
        assert not [t.name for t in threading.enumerate() if t.name.startswith("caikit-batch")]
        assert batch_lib.BATCHES == []


def test_size_one_is_no_batching_either(tmp_path):
    with serving(tmp_path, {"default": {"size": 1, "collect_delay_s": 1}}, {"echo": batch_lib.BatchEcho}) as served:
        assert served.batcher() is None
        assert served.grpc_echo("one").batch_size == 1


def test_model_type_section_beats_module_id_section_beats_default(tmp_path):
    from caikit.runtime.mmesh.descriptors import METHODS, SERVICE_NAME, messages

    batching = {
        "default": {"size": 0, "collect_delay_s": 0.003},
        "batch-echo": {"size": 3},
        "gpu": {"size": 2, "collect_delay_s": 0.001},
    }
    with serving(tmp_path, batching) as served:
        # local models: type standalone-model (no section), so the module id's section, with
        # the delay it lacks taken from default
        assert (served.batcher("echo").size, served.batcher("echo").collect_delay_s) == (3, 0.003)
        assert served.batcher("plain") is None  # default: size 0
        msgs = messages()
        load = served.channel.unary_unary(
            f"/{SERVICE_NAME}/loadModel",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=getattr(msgs, METHODS["loadModel"][1]).FromString,
        )
        batch_lib.BatchEcho().save(str(served.models_dir / "mesh-echo"))
        load(msgs.LoadModelRequest(modelId="mesh-echo", modelPath="mesh-echo", modelType="gpu"), timeout=TIMEOUT)
        batcher = served.batcher("mesh-echo")
        assert (batcher.size, batcher.collect_delay_s) == (2, 0.001)
        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(lambda i: served.grpc_echo(f"m{i}", model_id="mesh-echo"), range(4)))
        assert [r.text for r in replies] == ["m0", "m1", "m2", "m3"]
        assert max(_batch_sizes()) <= 2


# -- results ------------------------------------------------------------------------------------


def test_grpc_callers_each_get_their_own_result_from_batches(served):
    with ThreadPoolExecutor(16) as pool:
        with held_batch(served, pool) as first:
            calls = [pool.submit(served.grpc_echo, f"g{i}") for i in range(11)]
            _queued(served, 11)
        replies = [call.result(TIMEOUT) for call in calls]
        assert first.result(TIMEOUT).text == "first"
    assert [r.text for r in replies] == [f"g{i}" for i in range(11)]
    # held: the first ran alone; the 11 queued behind it ran as full batches, then the rest
    assert _batch_sizes() == [1, 4, 4, 3]
    assert sorted(r.batch_size for r in replies) == [3] * 3 + [4] * 8
    assert batch_lib.SINGLES == []


def test_http_callers_each_get_their_own_result_from_batches(served):
    with ThreadPoolExecutor(16) as pool:
        with held_batch(served, pool):
            calls = [pool.submit(served.http_echo, f"h{i}", suffix=".") for i in range(6)]
            _queued(served, 6)
        responses = [call.result(TIMEOUT) for call in calls]
    assert [r.status_code for r in responses] == [200] * 6
    assert [r.json()["text"] for r in responses] == [f"h{i}." for i in range(6)]
    assert _batch_sizes() == [1, 4, 2]


def test_grpc_and_http_calls_share_a_batch(served):
    with ThreadPoolExecutor(8) as pool:
        with held_batch(served, pool):
            over_grpc = [pool.submit(served.grpc_echo, f"g{i}") for i in range(2)]
            over_http = [pool.submit(served.http_echo, f"h{i}") for i in range(2)]
            _queued(served, 4)
        assert [c.result(TIMEOUT).batch_size for c in over_grpc] == [4, 4]
        assert [c.result(TIMEOUT).json()["batch_size"] for c in over_http] == [4, 4]
    assert sorted(batch_lib.BATCHES[1][1]) == ["g0", "g1", "h0", "h1"]


def test_concurrent_clients_without_holding_see_batches_up_to_the_size(served):
    def client(index: int) -> List[str]:
        return [served.grpc_echo(f"c{index}-{n}").text for n in range(5)]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(client, range(16)))
    assert answers == [[f"c{i}-{n}" for n in range(5)] for i in range(16)]
    sizes = _batch_sizes()
    assert sum(sizes) == 80
    assert max(sizes) <= 4
    assert max(sizes) > 1  # 20 ms per batch: 16 clients cannot all miss each other


# -- errors ---------------------------------------------------------------------------------------


def test_a_failing_item_fails_only_its_own_caller_grpc(served):
    with ThreadPoolExecutor(8) as pool:
        with held_batch(served, pool):
            calls = {text: pool.submit(rpc_or_reply, served, text) for text in ("a", "bad", "c")}
            _queued(served, 3)
        outcomes = {text: call.result(TIMEOUT) for text, call in calls.items()}
    assert (outcomes["a"].text, outcomes["c"].text) == ("a", "c")
    assert outcomes["a"].batch_size == outcomes["c"].batch_size == 1  # re-run one by one
    err = outcomes["bad"]
    assert isinstance(err, grpc.RpcError)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "the text must not be 'bad'")
    assert sorted(batch_lib.BATCHES[1][1]) == ["a", "bad", "c"]
    assert sorted(t for _, t in batch_lib.SINGLES) == ["a", "bad", "c"]


def rpc_or_reply(served: Served, text: str) -> Any:
    try:
        return served.grpc_echo(text)
    except grpc.RpcError as err:
        return err


def test_a_failing_item_fails_only_its_own_caller_http(served):
    with ThreadPoolExecutor(8) as pool:
        with held_batch(served, pool):
            calls = {text: pool.submit(served.http_echo, text) for text in ("x", "bad", "y", "z")}
            _queued(served, 4)
        responses = {text: call.result(TIMEOUT) for text, call in calls.items()}
    assert {t: r.status_code for t, r in responses.items()} == {"x": 200, "bad": 400, "y": 200, "z": 200}
    assert responses["bad"].json()["details"] == "the text must not be 'bad'"
    assert [responses[t].json() for t in "xyz"] == [{"text": t, "batch_size": 1} for t in "xyz"]


def test_a_module_keeping_the_default_run_batch_is_not_batched(served):
    # PlainEcho keeps ModuleBase.run_batch, which would only run its calls one after the other
    # on the batch thread: its calls keep running side by side in the request threads
    assert served.batcher("plain") is None
    assert "run" not in vars(served.manager.retrieve_model("plain"))
    with ThreadPoolExecutor(8) as pool:
        calls = {text: pool.submit(lambda t: _plain(served, t), text) for text in ("p", "bad", "q")}
        outcomes = {text: call.result(TIMEOUT) for text, call in calls.items()}
    assert outcomes["p"].text == "p" and outcomes["q"].text == "q"
    assert outcomes["bad"].code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(t for m, t in batch_lib.SINGLES if m == "plain-echo") == ["bad", "p", "q"]
    assert batch_lib.BATCHES == []


def _plain(served: Served, text: str) -> Any:
    try:
        return served.grpc_echo(text, model_id="plain")
    except grpc.RpcError as err:
        return err


def test_calls_with_different_arguments_are_never_mixed(served):
    with ThreadPoolExecutor(8) as pool:
        with held_batch(served, pool):
            bare = [pool.submit(served.grpc_echo, f"b{i}") for i in range(3)]
            suffixed = [pool.submit(served.grpc_echo, f"s{i}", suffix="!") for i in range(3)]
            _queued(served, 6)
        assert [c.result(TIMEOUT).text for c in bare] == ["b0", "b1", "b2"]
        assert [c.result(TIMEOUT).text for c in suffixed] == ["s0!", "s1!", "s2!"]
    later = {(tuple(sorted(texts)), has_suffix) for _, texts, has_suffix in batch_lib.BATCHES[1:]}
    assert later == {(("b0", "b1", "b2"), False), (("s0", "s1", "s2"), True)}


# -- cancellation -------------------------------------------------------------------------------


def test_a_queued_call_past_its_deadline_leaves_the_queue_and_never_runs(served):
    with ThreadPoolExecutor(4) as pool:
        with held_batch(served, pool) as first:
            err = rpc_error(served.grpc_echo, "late", timeout=0.5)
            assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            # withdrawn by the call's end while the batch ahead of it still runs
            _queued(served, 0)
        assert first.result(TIMEOUT).text == "first"
    assert served.grpc_echo("after").text == "after"
    assert not _ran("late")


def test_a_cancelled_grpc_call_leaves_the_queue(served):
    with ThreadPoolExecutor(4) as pool:
        with held_batch(served, pool):
            future = served.stub.EchoTaskPredict.future(
                served.messages.EchoTaskRequest(text="gone"), metadata=[("mm-model-id", "echo")]
            )
            _queued(served, 1)
            future.cancel()
            _queued(served, 0)
    assert served.grpc_echo("after").text == "after"
    assert not _ran("gone")


def test_an_http_client_that_disconnects_leaves_the_queue(served):
    body = json.dumps({"model_id": "echo", "inputs": "left"}).encode()
    with ThreadPoolExecutor(4) as pool:
        with held_batch(served, pool):
            sock = socket.create_connection(("127.0.0.1", served.http.port), timeout=TIMEOUT)
            head = f"POST /api/v1/task/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            sock.sendall(head.encode() + body)
            _queued(served, 1)
            sock.close()
            _queued(served, 0)
    assert served.http_echo("after").json()["text"] == "after"
    assert not _ran("left")


# -- what is not batched ----------------------------------------------------------------------------


def test_streaming_and_context_methods_are_not_batched(served):
    assert served.batcher("ctx") is None
    assert "run" not in vars(served.manager.retrieve_model("ctx"))
    assert served.grpc_echo("c", model_id="ctx").text == "c"
    request = served.messages.ServerStreamingEchoTaskRequest(text="s")
    stream = served.stub.ServerStreamingEchoTaskPredict(request, metadata=[("mm-model-id", "echo")], timeout=TIMEOUT)
    assert [(r.text, r.batch_size) for r in stream] == [("s", 1), ("s", 1)]
    assert batch_lib.BATCHES == []
    assert sorted(batch_lib.SINGLES) == [("batch-echo", "s"), ("batch-echo", "s"), ("context-echo", "c")]


def test_metrics_count_batch_sizes(served):
    from caikit.runtime.metrics import get_metrics

    before = get_metrics().batch_sizes().get("echo", ([0] * 9, 0))
    with ThreadPoolExecutor(8) as pool:
        with held_batch(served, pool):
            calls = [pool.submit(served.grpc_echo, f"m{i}") for i in range(3)]
            _queued(served, 3)
        [call.result(TIMEOUT) for call in calls]
    after = get_metrics().batch_sizes()["echo"]
    assert after[1] - before[1] == 4  # sum of sizes: 1 + 3
    assert [a - b for a, b in zip(after[0], before[0])] == [1, 0, 1, 0, 0, 0, 0, 0, 0]  # buckets <=1, <=4


# -- units -------------------------------------------------------------------------------------------


def test_settings_resolution():
    from caikit.runtime.model_management.batcher import BatchSettings, batch_settings

    batching = {"default": {"size": 4, "collect_delay_s": 0.5}, "t": {"collect_delay_s": 0.1}, "m": {"size": 8}}
    assert batch_settings(batching, "t", "m") == BatchSettings(4, 0.1)
    assert batch_settings(batching, "other", "m") == BatchSettings(8, 0.5)
    assert batch_settings(batching, "other", "nope") == BatchSettings(4, 0.5)
    assert batch_settings({}, "t", "m") == BatchSettings(0, 0.0)


@pytest.mark.parametrize(
    "batching, problem",
    [
        ({"default": {"size": -1}}, "runtime.batching.default.size"),
        ({"default": {"size": "8"}}, "runtime.batching.default.size"),
        ({"m": {"collect_delay_s": -0.1}}, "runtime.batching.m.collect_delay_s"),
        ({"m": {"collect_delay": 0.1}}, "unknown keys ['collect_delay']"),
        ({"m": 8}, "runtime.batching.m must be a mapping"),
    ],
)
def test_bad_settings_stop_the_model_manager(batching, problem, tmp_path):
    import caikit.config
    from caikit.runtime.model_management import ModelManager

    with caikit.config.temp_config({"runtime": {"local_models_dir": str(tmp_path), "batching": batching}}) as config:
        with pytest.raises(ValueError, match=problem.replace("[", r"\[").replace("]", r"\]")):
            ModelManager(config.runtime)


def test_a_run_batch_that_calls_the_batched_method_does_not_deadlock():
    from caikit.core import ModuleBase, module
    from caikit.runtime.model_management.batcher import BatchSettings, install_batcher

    @module(f"reentrant-{uuid.uuid4()}", "Reentrant", "0.0.1", task=batch_lib.EchoTask)
    class Reentrant(ModuleBase):
        def run(self, text: str) -> batch_lib.Echoed:
            return batch_lib.Echoed(text, 0)

        def run_batch(self, text):  # calls self.run: the instance attribute is the batcher
            return [batch_lib.Echoed(self.run(text=t).text, len(text)) for t in text]

    model = Reentrant()
    batcher = install_batcher(model, "reentrant", BatchSettings(2, 0.0))
    try:
        with ThreadPoolExecutor(4) as pool:
            texts = [r.text for r in pool.map(lambda t: model.run(text=t), ["a", "b", "c", "d"])]
        assert texts == ["a", "b", "c", "d"]
        assert model.run("positional").text == "positional"  # positional calls run directly
    finally:
        batcher.close()
    assert batcher.join(TIMEOUT)
    assert "run" not in vars(model)
