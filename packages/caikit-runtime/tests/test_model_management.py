"""DeployModel / UndeployModel and the ModelMesh runtime SPI."""
import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error, save_greeter, wait_for


@pytest.fixture
def managed(runtime, models_dir, sample_services, tmp_path):
    server = runtime()
    with channel_to(server.port) as channel:
        yield Clients(sample_services, channel), models_dir, tmp_path


def _file_class():
    from caikit.interfaces.common.data_model import File

    return File.get_proto_class()


def _files(client, tmp_path, template="Deployed {}"):
    File = _file_class()
    source = save_greeter(tmp_path / "source", "m", template)
    return [File(filename=p.name, data=p.read_bytes()) for p in source.iterdir()]


def test_deploy_then_undeploy(managed):
    client, models_dir, tmp_path = managed
    messages = client.model_management_messages
    info = client.model_management.DeployModel(
        messages.DeployModelRequest(model_id="fresh", model_files=_files(client, tmp_path))
    )
    assert info.name == "fresh"
    assert (models_dir / "fresh" / "config.yml").exists()
    assert wait_for(lambda: client.greet("x", model_id="fresh")).greeting == "Deployed x"
    err = rpc_error(
        client.model_management.DeployModel, messages.DeployModelRequest(model_id="fresh", model_files=_files(client, tmp_path))
    )
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    reply = client.model_management.UndeployModel(messages.UndeployModelRequest(model_id="fresh"))
    assert reply.model_id == "fresh"
    assert not (models_dir / "fresh").exists()
    assert rpc_error(client.greet, "x", model_id="fresh").code() == grpc.StatusCode.NOT_FOUND
    err = rpc_error(client.model_management.UndeployModel, messages.UndeployModelRequest(model_id="fresh"))
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "Cannot undeploy unknown model fresh")


@pytest.mark.parametrize("filename", ["../../evil.yml", "/abs/evil.yml", "", "a/../../evil.yml", "nul\x00.yml"])
def test_deploy_refuses_file_names_leaving_the_model(managed, filename):
    client, models_dir, tmp_path = managed
    messages = client.model_management_messages
    files = [_file_class()(filename=filename, data=b"x")]
    err = rpc_error(client.model_management.DeployModel, messages.DeployModelRequest(model_id="bad", model_files=files))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not list(tmp_path.rglob("evil.yml"))
    assert not (models_dir / "bad").exists()


@pytest.mark.parametrize("model_id", ["..", "../sentinel", "/tmp", "x/y"])
def test_undeploy_never_deletes_outside(managed, model_id):
    client, models_dir, tmp_path = managed
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (sentinel / "keep").write_text("keep")
    messages = client.model_management_messages
    err = rpc_error(client.model_management.UndeployModel, messages.UndeployModelRequest(model_id=model_id))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (sentinel / "keep").read_text() == "keep"
    assert models_dir.exists()


def test_undeploy_of_an_escaping_symlink_is_refused(managed):
    client, models_dir, tmp_path = managed
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (sentinel / "keep").write_text("keep")
    (models_dir / "link").symlink_to(sentinel)
    messages = client.model_management_messages
    err = rpc_error(client.model_management.UndeployModel, messages.UndeployModelRequest(model_id="link"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (sentinel / "keep").read_text() == "keep"


def _mmesh(channel):
    from caikit.runtime.mmesh.descriptors import METHODS, SERVICE_NAME, messages

    msgs = messages()
    calls = {
        name: channel.unary_unary(
            f"/{SERVICE_NAME}/{name}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=getattr(msgs, response).FromString,
        )
        for name, (_request, response) in METHODS.items()
    }
    return calls, msgs


def test_model_mesh_runtime_spi(managed):
    client, models_dir, _tmp_path = managed
    calls, msgs = _mmesh(client.channel)
    status = calls["runtimeStatus"](msgs.RuntimeStatusRequest())
    assert status.status == msgs.RuntimeStatusResponse.READY
    assert (status.capacityInBytes, status.maxLoadingConcurrency, status.modelLoadingTimeoutMs) == (10737418240, 2, 121000)
    assert (status.defaultModelSizeInBytes, status.runtimeVersion, status.limitModelConcurrency) == (18874368, "real", True)

    path = save_greeter(models_dir, "meshed", "Mesh {}")
    on_disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    predicted = calls["predictModelSize"](msgs.PredictModelSizeRequest(modelId="meshed", modelPath="meshed"))
    assert predicted.sizeInBytes == on_disk * 10
    loaded = calls["loadModel"](msgs.LoadModelRequest(modelId="meshed", modelPath=str(path), modelType="standalone-model"))
    assert (loaded.sizeInBytes, loaded.maxConcurrency) == (on_disk * 10, 2)
    assert calls["modelSize"](msgs.ModelSizeRequest(modelId="meshed")).sizeInBytes == on_disk * 10
    assert client.greet("x", model_id="meshed").greeting == "Mesh x"
    calls["unloadModel"](msgs.UnloadModelRequest(modelId="meshed"))
    err = rpc_error(calls["modelSize"], msgs.ModelSizeRequest(modelId="meshed"))
    assert (err.code(), err.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "Unable to retrieve the size of model 'meshed'; it is unregistered or unloaded.",
    )


def test_model_mesh_paths_must_stay_in_the_models_directory(managed):
    client, _, tmp_path = managed
    calls, msgs = _mmesh(client.channel)
    outside = save_greeter(tmp_path / "outside", "m")
    err = rpc_error(calls["loadModel"], msgs.LoadModelRequest(modelId="m", modelPath=str(outside)))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = rpc_error(calls["loadModel"], msgs.LoadModelRequest(modelId="m", modelPath="../outside/m"))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
