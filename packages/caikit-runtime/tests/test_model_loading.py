"""Boot-time loading, lazy loading, periodic sync, and refusing ids that leave the models
directory (nothing outside it is read or deleted)."""
import shutil

import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error, save_greeter, wait_for


def _models(client):
    return {m.name: m for m in client.info.GetModelsInfo(client.info_messages.ModelInfoRequest()).models}


def test_models_in_the_directory_are_loaded_at_boot(runtime, models_dir, sample_services):
    save_greeter(models_dir, "first", "One {}")
    save_greeter(models_dir, "second", "Two {}")
    server = runtime()
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        models = _models(client)
        assert set(models) == {"first", "second"} and all(m.loaded for m in models.values())
        assert models["first"].size > 0 and models["first"].module_id == "sample-greeter"
        assert dict(models["first"].module_metadata) == {"name": "Sample Greeter", "version": "0.1.0"}
        assert client.greet("x", model_id="second").greeting == "Two x"


def test_lazy_loading_and_periodic_sync(runtime, models_dir, sample_services):
    server = runtime(RUNTIME_LAZY_LOAD_LOCAL_MODELS="true", RUNTIME_LAZY_LOAD_POLL_PERIOD_SECONDS="0.2")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        err = rpc_error(client.greet, "x", model_id="later")
        assert err.code() == grpc.StatusCode.NOT_FOUND
        assert err.details() == (
            "Model later not found. Nested error: Module load path `later` does not contain a `config.yml` file."
        )
        save_greeter(models_dir, "later", "Later {}")
        assert client.greet("x", model_id="later").greeting == "Later x"  # loaded on first use
        save_greeter(models_dir, "synced", "Synced {}")
        wait_for(lambda: "synced" in _models(client), what="the sync to load a new model")
        shutil.rmtree(models_dir / "later")
        wait_for(lambda: "later" not in _models(client), what="the sync to unload a deleted model")


def test_lazy_loading_needs_the_directory(runtime, tmp_path):
    server = runtime(
        wait=False, RUNTIME_LAZY_LOAD_LOCAL_MODELS="true", RUNTIME_LOCAL_MODELS_DIR=str(tmp_path / "missing")
    )
    assert server.proc.wait(timeout=60) != 0
    assert "runtime.local_models_dir must be a valid path" in server.log()


@pytest.mark.parametrize("model_id", ["..", "../outside", "/etc", "a/../../outside", "%2e%2e%2foutside", "x" * 300])
def test_unsafe_model_ids_are_refused(runtime, models_dir, tmp_path, sample_services, model_id):
    sentinel = tmp_path / "outside"
    sentinel.mkdir()
    save_greeter(sentinel.parent, "outside")  # a loadable model right outside models/
    server = runtime(RUNTIME_LAZY_LOAD_LOCAL_MODELS="true")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        err = rpc_error(client.greet, "x", model_id=model_id)
        assert err.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
        assert "outside" not in {m.name for m in client.info.GetModelsInfo(client.info_messages.ModelInfoRequest()).models}


def test_symlink_out_of_the_models_directory_is_not_loaded(runtime, models_dir, tmp_path, sample_services):
    elsewhere = tmp_path / "elsewhere"
    save_greeter(elsewhere, "model")
    (models_dir / "link").symlink_to(elsewhere / "model")
    server = runtime(RUNTIME_LAZY_LOAD_LOCAL_MODELS="true")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        err = rpc_error(client.greet, "x", model_id="link")
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "link" not in _models(client)
