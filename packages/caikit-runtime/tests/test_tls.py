"""TLS and mutual TLS from ``runtime.tls.*``, with certificates made by the test."""
import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, make_certs, rpc_error, save_greeter


@pytest.fixture
def certs(tmp_path):
    directory = tmp_path / "certs"
    directory.mkdir()
    return make_certs(directory)


def _credentials(certs, client=None):
    key, chain = (None, None) if client is None else client
    return grpc.ssl_channel_credentials(certs["ca"].read_bytes(), private_key=key, certificate_chain=chain)


def test_tls(runtime, models_dir, certs, sample_services):
    save_greeter(models_dir, "greeter")
    credentials = _credentials(certs)
    server = runtime(
        credentials=credentials,
        RUNTIME_TLS_SERVER_KEY=str(certs["server_key"]),
        RUNTIME_TLS_SERVER_CERT=str(certs["server_cert"]),
    )
    with channel_to(server.port, credentials) as channel:
        assert Clients(sample_services, channel).greet("tls").greeting == "Hello tls"
    with channel_to(server.port) as plain:
        err = rpc_error(Clients(sample_services, plain).greet, "plain", timeout=5)
        assert err.code() == grpc.StatusCode.UNAVAILABLE


def test_tls_with_inline_pem(runtime, models_dir, certs, sample_services):
    save_greeter(models_dir, "greeter")
    credentials = _credentials(certs)
    server = runtime(
        credentials=credentials,
        RUNTIME_TLS_SERVER_KEY=certs["server_key"].read_text(),
        RUNTIME_TLS_SERVER_CERT=certs["server_cert"].read_text(),
    )
    with channel_to(server.port, credentials) as channel:
        assert Clients(sample_services, channel).greet("inline").greeting == "Hello inline"


def test_mutual_tls(runtime, models_dir, certs, sample_services):
    save_greeter(models_dir, "greeter")
    client_pair = (certs["client_key"].read_bytes(), certs["client_cert"].read_bytes())
    good = _credentials(certs, client_pair)
    server = runtime(
        credentials=good,
        RUNTIME_TLS_SERVER_KEY=str(certs["server_key"]),
        RUNTIME_TLS_SERVER_CERT=str(certs["server_cert"]),
        RUNTIME_TLS_CLIENT_CERT=str(certs["client_ca"]),
    )
    with channel_to(server.port, good) as channel:
        assert Clients(sample_services, channel).greet("mtls").greeting == "Hello mtls"
    with channel_to(server.port, _credentials(certs)) as no_cert:
        assert rpc_error(Clients(sample_services, no_cert).greet, "anon", timeout=5).code() == grpc.StatusCode.UNAVAILABLE
    rogue = _credentials(certs, (certs["client_key"].read_bytes(), certs["rogue_cert"].read_bytes()))
    with channel_to(server.port, rogue) as channel:
        assert rpc_error(Clients(sample_services, channel).greet, "rogue", timeout=5).code() == grpc.StatusCode.UNAVAILABLE


def test_half_configured_tls_is_an_error(runtime, certs):
    server = runtime(wait=False, RUNTIME_TLS_SERVER_KEY=str(certs["server_key"]))
    assert server.proc.wait(timeout=60) != 0
    assert "must be set together" in server.log()


def test_in_process_server_local_channel_speaks_tls(tmp_path, certs, models_dir):
    """RuntimeGRPCServer.make_local_channel() matches the server's TLS (mutual included)."""
    from caikit.config import temp_config
    from caikit.runtime.grpc_server import RuntimeGRPCServer
    from caikit.runtime.model_management.model_manager import reset_model_manager

    save_greeter(models_dir, "greeter")
    config = {
        "runtime": {
            "library": "sample_lib",
            "local_models_dir": str(models_dir),
            "grpc": {"port": 0},
            "metrics": {"enabled": False},
            "tls": {
                "server": {"key": str(certs["server_key"]), "cert": str(certs["server_cert"])},
                "client": {"cert": str(certs["ca"])},
            },
        }
    }
    with temp_config(config):
        reset_model_manager()
        try:
            with RuntimeGRPCServer() as server:
                channel = server.make_local_channel()
                try:
                    stub = server.inference_service.stub_class(channel)
                    request = server.inference_service.messages.GreetingTaskRequest(name="local")
                    reply = stub.GreetingTaskPredict(request, metadata=[("mm-model-id", "greeter")])
                    assert reply.greeting == "Hello local"
                finally:
                    channel.close()
        finally:
            reset_model_manager()
