"""A runtime whose finder and initializer are REMOTE serves a model of another runtime."""
import json

import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, free_port, rpc_error, save_greeter


def _remote_config(tmp_path, port, timeout):
    """A config file making REMOTE the default finder and initializer (JSON is YAML)."""
    path = tmp_path / f"remote-{port}.yml"
    finder = {"type": "REMOTE", "config": {"connection": {"hostname": "localhost", "port": port, "timeout": timeout}}}
    config = {"model_management": {"finders": {"default": finder}, "initializers": {"default": {"type": "REMOTE"}}}}
    path.write_text(json.dumps(config))
    return str(path)


@pytest.fixture
def proxied(runtime, tmp_path, sample_services):
    backend_models = tmp_path / "backend-models"
    backend_models.mkdir()
    save_greeter(backend_models, "far", "Far {}")
    backend = runtime(RUNTIME_LOCAL_MODELS_DIR=str(backend_models))
    front = runtime(RUNTIME_LAZY_LOAD_LOCAL_MODELS="true", CONFIG_FILES=_remote_config(tmp_path, backend.port, 20))
    with channel_to(front.port) as channel:
        yield Clients(sample_services, channel)


def test_every_flavour_through_the_proxy(proxied):
    client = proxied
    messages = client.inference_messages
    metadata = [("mm-model-id", "far")]
    assert client.greet("Gabe", model_id="far").greeting == "Far Gabe"
    streamed = client.inference.ServerStreamingGreetingTaskPredict(
        messages.ServerStreamingGreetingTaskRequest(name="G", repeat=2), metadata=metadata
    )
    assert [r.greeting for r in streamed] == ["Far G #0", "Far G #1"]
    requests = iter([messages.ClientStreamingGreetingTaskRequest(name=n) for n in ("a", "b")])
    assert client.inference.ClientStreamingGreetingTaskPredict(requests, metadata=metadata).greeting == "Far a and b"
    requests = iter([messages.BidiStreamingGreetingTaskRequest(name=n) for n in ("x", "y")])
    assert [r.greeting for r in client.inference.BidiStreamingGreetingTaskPredict(requests, metadata=metadata)] == [
        "Far x",
        "Far y",
    ]


def test_remote_errors_keep_their_code(proxied):
    client = proxied
    err = rpc_error(client.greet, "value-error", model_id="far")
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "name must not be 'value-error'")
    assert rpc_error(client.greet, "x", model_id="not-there").code() == grpc.StatusCode.NOT_FOUND


def test_remote_plugins_are_entry_points():
    from caikit.core.toolkit import plugins

    assert plugins.find("caikit.model_finders", "REMOTE").distribution == "caikit-runtime"
    assert plugins.find("caikit.model_initializers", "REMOTE").distribution == "caikit-runtime"


def test_unreachable_remote_is_not_found(runtime, tmp_path, sample_services):
    front = runtime(
        RUNTIME_LAZY_LOAD_LOCAL_MODELS="true",
        RUNTIME_LAZY_LOAD_RETRIES="0",
        CONFIG_FILES=_remote_config(tmp_path, free_port(), 2),
    )
    with channel_to(front.port) as channel:
        err = rpc_error(Clients(sample_services, channel).greet, "x", model_id="far")
        assert err.code() == grpc.StatusCode.NOT_FOUND
