"""End to end: the demo models are trained, served by ``python -m caikit.runtime`` and answer
over gRPC and HTTP, streaming included; training over both protocols works too.

The gRPC client is built only from the interfaces caikit 0.29.1 generates for text_lib
(``fixtures/text_lib.caikit-0.29.1.pb``), as a client written against a caikit 0.29.1 server
would be.
"""
import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from text_lib import RegexTokenizer
from text_lib.demo import train_demo_models

HERE = pathlib.Path(__file__).parent
_spec = importlib.util.spec_from_file_location("text_lib_proto_contract", HERE / "proto_contract.py")
proto_contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proto_contract)

SERVICE = "caikit.runtime.TextLib.TextLibService"
TRAINING = "caikit.runtime.TextLib.TextLibTrainingService"
TRAINING_MANAGEMENT = "caikit.runtime.training.TrainingManagement"
PKG = "caikit.runtime.TextLib"
STARTUP_SECONDS = 120  # generous: only bounds a hung start, never decides a result

TRAIN_RECORDS = [
    {"text": "my card was charged twice", "labels": ["billing"]},
    {"text": "refund the charge on my card", "labels": ["billing"]},
    {"text": "the parcel never arrived", "labels": ["shipping"]},
    {"text": "where is my parcel", "labels": ["shipping"]},
]


class Messages:
    """Message classes of the recorded caikit 0.29.1 interfaces, by full name."""

    def __init__(self, fds):
        self._pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            self._pool.Add(file)

    def __getitem__(self, full_name):
        return message_factory.GetMessageClass(self._pool.FindMessageTypeByName(full_name))

    def rpc(self, service, method):
        """(input class, output class, client streaming, server streaming) of an RPC."""
        descriptor = self._pool.FindServiceByName(service).FindMethodByName(method)
        return (
            message_factory.GetMessageClass(descriptor.input_type),
            message_factory.GetMessageClass(descriptor.output_type),
            descriptor.client_streaming,
            descriptor.server_streaming,
        )


MESSAGES = Messages(
    proto_contract.read_descriptor_set(str(HERE / "fixtures" / "text_lib.caikit-0.29.1.pb"))
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


class Runtime:
    """A ``python -m caikit.runtime`` process serving text_lib, with small clients."""

    def __init__(self, root: pathlib.Path):
        self.models = root / "models"
        train_demo_models(self.models)
        self.grpc_port, self.http_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "RUNTIME_LIBRARY": "text_lib",
            "RUNTIME_LOCAL_MODELS_DIR": str(self.models),
            "RUNTIME_GRPC_PORT": str(self.grpc_port),
            "RUNTIME_HTTP_PORT": str(self.http_port),
            "RUNTIME_METRICS_ENABLED": "false",
            # as in caikit's examples: trained models land in the models directory, and a
            # request for a model not loaded yet loads it from there
            "RUNTIME_TRAINING_OUTPUT_DIR": str(self.models),
            "RUNTIME_TRAINING_SAVE_WITH_ID": "false",
            "RUNTIME_LAZY_LOAD_LOCAL_MODELS": "true",
            "LOG_LEVEL": "warning",
        }
        self.log = open(root / "runtime.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "caikit.runtime"], env=env, stdout=self.log, stderr=self.log
        )
        self.channel = grpc.insecure_channel(f"localhost:{self.grpc_port}")
        self._wait_until_up(root)

    def _wait_until_up(self, root):
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"runtime exited with {self.process.returncode}: "
                    + (root / "runtime.log").read_text(errors="replace")[-3000:]
                )
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("runtime did not answer /health")
            time.sleep(0.2)
        grpc.channel_ready_future(self.channel).result(timeout=STARTUP_SECONDS)

    def stop(self):
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    # -- clients ---------------------------------------------------------------------------------

    def url(self, path):
        return f"http://localhost:{self.http_port}{path}"

    def call(self, method, request, model_id=None, service=SERVICE):
        """Call an RPC; ``request`` is a message, or an iterable of them for client streaming."""
        request_cls, response_cls, client_streaming, server_streaming = MESSAGES.rpc(service, method)
        kind = {
            (False, False): self.channel.unary_unary,
            (False, True): self.channel.unary_stream,
            (True, False): self.channel.stream_unary,
            (True, True): self.channel.stream_stream,
        }[(client_streaming, server_streaming)]
        stub = kind(
            f"/{service}/{method}",
            request_serializer=request_cls.SerializeToString,
            response_deserializer=response_cls.FromString,
        )
        metadata = [("mm-model-id", model_id)] if model_id else None
        result = stub(request, metadata=metadata, timeout=60)
        return list(result) if server_streaming else result

    def post(self, path, body):
        """POST JSON; returns (status, parsed JSON or raw text)."""
        data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.url(path), data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as err:
            text, status = err.read().decode(), err.code
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path):
        with urllib.request.urlopen(self.url(path), timeout=60) as response:
            return json.loads(response.read().decode())


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    server = Runtime(tmp_path_factory.mktemp("runtime"))
    yield server
    server.stop()


def req(name, **fields):
    return MESSAGES[f"{PKG}.{name}"](**fields)


# -- gRPC ----------------------------------------------------------------------------------------


def test_grpc_text_classification(runtime):
    response = runtime.call(
        "TextClassificationTaskPredict",
        req("TextClassificationTaskRequest", text="I was charged twice for my order"),
        "ticket-classifier",
    )
    assert response.results[0].label == "billing"
    assert abs(sum(r.score for r in response.results) - 1.0) < 1e-9


def test_grpc_bidi_streaming_tokenization(runtime):
    chunks = ["Where is my pa", "ckage? It was due", " on April 20."]
    responses = runtime.call(
        "BidiStreamingTokenizationTaskPredict",
        iter([req("BidiStreamingTokenizationTaskRequest", text_stream=c) for c in chunks]),
        "tokenizer",
    )
    streamed = [(t.start, t.end, t.text) for r in responses for t in r.results]
    expected = RegexTokenizer().run("".join(chunks)).results
    assert streamed == [(t.start, t.end, t.text) for t in expected]
    assert responses[-1].processed_index == len("".join(chunks))


def test_grpc_unary_and_server_streaming_token_classification(runtime):
    text = "My Nimbus Router is stuck in Rotterdam since March 3."
    unary = runtime.call(
        "TokenClassificationTaskPredict",
        req("TokenClassificationTaskRequest", text=text),
        "entity-tagger",
    )
    found = [(r.word, r.entity) for r in unary.results]
    assert found == [("Nimbus Router", "PRODUCT"), ("Rotterdam", "CITY"), ("March 3", "DATE")]
    streamed = runtime.call(
        "ServerStreamingTokenClassificationTaskPredict",
        req("ServerStreamingTokenClassificationTaskRequest", text=text),
        "entity-tagger",
    )
    assert len(streamed) == 3
    assert [(r.word, r.entity) for s in streamed for r in s.results] == found


def test_grpc_bidi_streaming_token_classification(runtime):
    chunks = ["send the Aero Head", "phones to Madr", "id please"]
    responses = runtime.call(
        "BidiStreamingTokenClassificationTaskPredict",
        iter([req("BidiStreamingTokenClassificationTaskRequest", text_stream=c) for c in chunks]),
        "entity-tagger",
    )
    assert [(r.word, r.entity) for s in responses for r in s.results] == [
        ("Aero Headphones", "PRODUCT"),
        ("Madrid", "CITY"),
    ]


def test_grpc_embeddings_and_similarity(runtime):
    one = runtime.call("EmbeddingTaskPredict", req("EmbeddingTaskRequest", text="refund"), "embedder")
    assert len(one.result.data_pyfloatsequence.values) == 256
    many = runtime.call(
        "EmbeddingTasksPredict", req("EmbeddingTasksRequest", texts=["a refund", "b"]), "embedder"
    )
    assert len(many.results.vectors) == 2
    similarity = runtime.call(
        "SentenceSimilarityTaskPredict",
        req(
            "SentenceSimilarityTaskRequest",
            source_sentence="please refund my payment",
            sentences=["refund the payment", "the router is broken"],
        ),
        "embedder",
    )
    related, unrelated = similarity.result.scores
    assert related > unrelated


def test_grpc_rerank(runtime):
    request = req("RerankTaskRequest", query="refund my payment", top_n=1)
    for text in ("the parcel is late", "refund for a double payment"):
        json_format.ParseDict({"text": text}, request.documents.add())
    response = runtime.call("RerankTaskPredict", request, "embedder")
    (best,) = response.result.scores
    assert (best.index, best.text) == (1, "refund for a double payment")


def test_grpc_training_then_inference(runtime):
    params = req("TextClassificationTaskNaiveBayesClassifierTrainParameters")
    json_format.ParseDict({"jsondata": {"data": TRAIN_RECORDS}}, params.training_data)
    job = runtime.call(
        "TextClassificationTaskNaiveBayesClassifierTrain",
        req(
            "TextClassificationTaskNaiveBayesClassifierTrainRequest",
            model_name="grpc-trained",
            parameters=params,
        ),
        service=TRAINING,
    )
    assert job.model_name == "grpc-trained"
    info_cls = MESSAGES["caikit_data_model.runtime.TrainingInfoRequest"]
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        status = runtime.call(
            "GetTrainingStatus", info_cls(training_id=job.training_id), service=TRAINING_MANAGEMENT
        )
        state = status.DESCRIPTOR.fields_by_name["state"].enum_type.values_by_number[status.state].name
        if state in ("COMPLETED", "ERRORED", "CANCELED"):
            break
        assert time.monotonic() < deadline, f"training stuck in {state}"
        time.sleep(0.1)
    assert state == "COMPLETED", list(status.reasons)
    response = runtime.call(
        "TextClassificationTaskPredict",
        req("TextClassificationTaskRequest", text="where did my parcel go"),
        "grpc-trained",
    )
    assert response.results[0].label == "shipping"


def test_grpc_unknown_model_is_not_found(runtime):
    with pytest.raises(grpc.RpcError) as info:
        runtime.call("TextClassificationTaskPredict", req("TextClassificationTaskRequest", text="x"), "nope")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


# -- HTTP ----------------------------------------------------------------------------------------


def test_http_text_classification(runtime):
    status, body = runtime.post(
        "/api/v1/task/text-classification",
        {"model_id": "ticket-classifier", "inputs": "I forgot my password"},
    )
    assert status == 200, body
    assert body["results"][0]["label"] == "account"


def test_http_sentence_similarity_with_several_inputs(runtime):
    status, body = runtime.post(
        "/api/v1/task/sentence-similarity",
        {
            "model_id": "embedder",
            "inputs": {"source_sentence": "late parcel", "sentences": ["parcel late", "password"]},
        },
    )
    assert status == 200, body
    related, unrelated = body["result"]["scores"]
    assert related > unrelated


def test_http_server_sent_events_streaming(runtime):
    request = urllib.request.Request(
        runtime.url("/api/v1/task/server-streaming-tokenization"),
        data=json.dumps({"model_id": "tokenizer", "inputs": "Hello world, bye"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = [block for block in raw.replace("\r\n", "\n").split("\n\n") if block.strip()]
    payloads = []
    for block in events:
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        assert lines["event"] == "message", block
        payloads.append(json.loads(lines["data"]))
    assert [[t["text"] for t in p["results"]] for p in payloads] == [
        ["Hello"],
        ["world", ","],
        ["bye"],
    ]


def test_http_training_then_inference(runtime):
    status, job = runtime.post(
        "/api/v1/TextClassificationTaskNaiveBayesClassifierTrain",
        {
            "model_name": "http-trained",
            "parameters": {"training_data": {"jsondata": {"data": TRAIN_RECORDS}}},
        },
    )
    assert status == 200, job
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        status_body = runtime.get(f"/management/trainings?training_id={job['training_id']}")
        if status_body["state"] in ("COMPLETED", "ERRORED", "CANCELED"):
            break
        assert time.monotonic() < deadline, status_body
        time.sleep(0.1)
    assert status_body["state"] == "COMPLETED", status_body
    status, body = runtime.post(
        "/api/v1/task/text-classification",
        {"model_id": "http-trained", "inputs": "refund my card"},
    )
    assert status == 200, body
    assert body["results"][0]["label"] == "billing"


def test_http_embedding_json_shape(runtime):
    """caikit 0.29.1's JSON of a Vector1D is {'data': {'values': [...]}}."""
    status, body = runtime.post("/api/v1/task/embedding", {"model_id": "embedder", "inputs": "hi"})
    assert status == 200, body
    assert sorted(body) == ["input_token_count", "producer_id", "result"]
    assert len(body["result"]["data"]["values"]) == 256
