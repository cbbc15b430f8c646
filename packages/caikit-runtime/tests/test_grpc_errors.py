"""Errors reach gRPC clients with the contract's codes and messages (§2.3)."""
import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error, save_greeter


@pytest.fixture
def clients(runtime, models_dir, sample_services):
    save_greeter(models_dir, "greeter")
    from sample_lib import CounterModule

    CounterModule().save(str(models_dir / "counter"))
    server = runtime()
    with channel_to(server.port) as channel:
        yield Clients(sample_services, channel), server


def test_missing_model_id(clients):
    client, _ = clients
    err = rpc_error(client.greet, "x", model_id=None)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "Missing required model ID")


def test_unknown_model(clients):
    client, _ = clients
    err = rpc_error(client.greet, "x", model_id="nope")
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "Model 'nope' not loaded")


@pytest.mark.parametrize(
    "name, code, details",
    [
        ("type-error", grpc.StatusCode.INVALID_ARGUMENT, "name must not be 'type-error'"),
        ("value-error", grpc.StatusCode.INVALID_ARGUMENT, "name must not be 'value-error'"),
        ("not-found", grpc.StatusCode.NOT_FOUND, "no such person: not-found"),
    ],
)
def test_model_errors(clients, name, code, details):
    client, _ = clients
    err = rpc_error(client.greet, name)
    assert (err.code(), err.details()) == (code, details)


def test_unexpected_error_is_internal_with_a_logged_id(clients):
    client, server = clients
    err = rpc_error(client.greet, "boom")
    assert (err.code(), err.details()) == (grpc.StatusCode.INTERNAL, "boom")
    (error_id,) = [value for key, value in err.trailing_metadata() if key == "caikit-error-id"]
    assert len(error_id) == 32
    from runtime_test_helpers import wait_for

    wait_for(lambda: error_id in server.log(), what="the error id in the server log")


def test_model_without_the_task(clients):
    client, _ = clients
    err = rpc_error(client.greet, "x", model_id="counter")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Inference for model class" in err.details() and "CounterModule" in err.details()


def test_error_inside_a_stream(clients):
    client, _ = clients
    messages = client.inference_messages
    requests = iter([messages.BidiStreamingGreetingTaskRequest(name=n) for n in ("ok", "value-error")])
    responses = client.inference.BidiStreamingGreetingTaskPredict(requests, metadata=[("mm-model-id", "greeter")])
    first = next(responses)
    assert first.greeting == "Hello ok"
    with pytest.raises(grpc.RpcError) as info:
        next(responses)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_bidi_sends_acknowledgement_metadata(clients):
    client, _ = clients
    messages = client.inference_messages
    call = client.inference.BidiStreamingGreetingTaskPredict(
        iter([messages.BidiStreamingGreetingTaskRequest(name="a")]), metadata=[("mm-model-id", "greeter")]
    )
    assert ("acknowledgement", "ok") in [tuple(m) for m in call.initial_metadata()]
    assert [r.greeting for r in call] == ["Hello a"]


def test_undecodable_request_and_unknown_method(clients):
    client, _ = clients
    raw = client.channel.unary_unary("/caikit.runtime.SampleLib.SampleLibService/GreetingTaskPredict")
    err = rpc_error(raw, b"\xff\xff\xff", metadata=[("mm-model-id", "greeter")])
    # the reference's words; the code is the client's fault (issue 11: never INTERNAL for bad bytes)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "Exception deserializing request!")
    missing = client.channel.unary_unary("/caikit.runtime.SampleLib.SampleLibService/NoSuchPredict")
    err = rpc_error(missing, b"")
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED


def test_empty_request_uses_proto_defaults(clients):
    client, _ = clients
    assert client.greet("").greeting == "Hello "


def test_unknown_training_and_models_info(clients):
    client, _ = clients
    tm = client.training_management_messages
    err = rpc_error(client.training_management.GetTrainingStatus, tm.TrainingInfoRequest(training_id="nope"))
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "Unknown training_id: nope")
    info = client.info_messages
    err = rpc_error(client.info.GetModelsInfo, info.ModelInfoRequest(model_ids=["nope"]))
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "Model nope is not loaded")


def test_oversized_request_is_resource_exhausted(runtime, models_dir, sample_services):
    save_greeter(models_dir, "greeter")
    server = runtime(RUNTIME_GRPC_MAX_MESSAGE_BYTES="1024")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        assert client.greet("small").greeting == "Hello small"
        err = rpc_error(client.greet, "x" * 4096)
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
