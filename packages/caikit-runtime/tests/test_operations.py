"""Health, reflection, metrics, runtime info, and a graceful stop on SIGTERM."""
import signal
import threading
import urllib.request

import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, free_port, save_greeter, wait_for


def test_health_and_reflection(runtime, models_dir):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    server = runtime()
    with channel_to(server.port) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        (answer,) = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        services = {s.name for s in answer.list_services_response.service}
        assert services == {
            "caikit.runtime.SampleLib.SampleLibJobService",
            "caikit.runtime.SampleLib.SampleLibService",
            "caikit.runtime.SampleLib.SampleLibTrainingService",
            "caikit.runtime.info.InfoService",
            "caikit.runtime.models.ModelManagement",
            "caikit.runtime.training.TrainingManagement",
            "grpc.reflection.v1alpha.ServerReflection",
            "mmesh.ModelRuntime",
        }
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="caikit.runtime.SampleLib.SampleLibService")
        (answer,) = stub.ServerReflectionInfo(iter([request]))
        assert answer.file_descriptor_response.file_descriptor_proto


def test_service_generation_filters(runtime, models_dir):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    server = runtime(
        RUNTIME_SERVICE_GENERATION_ENABLE_TRAINING="false",
        RUNTIME_SERVICE_GENERATION_ENABLE_INFERENCE_JOBS="false",
        RUNTIME_SERVICE_GENERATION_TASK_TYPES_EXCLUDED="[TallyTask]",
    )
    with channel_to(server.port) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="caikit.runtime.SampleLib.SampleLibService")
        (answer,) = stub.ServerReflectionInfo(iter([request]))
        from google.protobuf import descriptor_pb2

        methods = set()
        for raw in answer.file_descriptor_response.file_descriptor_proto:
            fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
            for service in fdp.service:
                if service.name == "SampleLibService":
                    methods = {m.name for m in service.method}
        assert methods and not any("Tally" in m for m in methods)
        (answer,) = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        services = {s.name for s in answer.list_services_response.service}
        assert "caikit.runtime.SampleLib.SampleLibTrainingService" not in services
        assert "caikit.runtime.SampleLib.SampleLibJobService" not in services


def test_metrics(runtime, models_dir, sample_services):
    save_greeter(models_dir, "greeter")
    metrics_port = free_port()
    server = runtime(RUNTIME_METRICS_ENABLED="true", RUNTIME_METRICS_PORT=str(metrics_port))
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        for _ in range(3):
            client.greet("x")
        with pytest.raises(grpc.RpcError):
            client.greet("value-error")

    def scrape():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
                return response.read().decode()
        except OSError:
            return ""

    text = wait_for(scrape, what="the metrics endpoint")
    assert 'predict_rpc_count_total{code="OK",grpc_request="GreetingTaskPredict",model_id="greeter"} 3.0' in text
    assert 'code="INVALID_ARGUMENT"' in text
    assert "total_loaded_models 1.0" in text
    assert "predict_caikit_library_duration_seconds_count" in text


def test_runtime_info(runtime, sample_services):
    server = runtime(RUNTIME_VERSION_INFO_RUNTIME_IMAGE="img:1.2")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        info = client.info.GetRuntimeInfo(client.info_messages.RuntimeInfoRequest())
        assert info.runtime_version == "img:1.2"
        assert {"caikit_core", "caikit_runtime"} <= set(info.python_packages)


def test_sigterm_finishes_calls_in_flight_then_exits(runtime, models_dir, tmp_path, sample_services):
    markers = tmp_path / "markers"
    markers.mkdir()
    save_greeter(models_dir, "greeter")
    server = runtime(SAMPLE_LIB_MARKER_DIR=str(markers), RUNTIME_GRPC_SERVER_SHUTDOWN_GRACE_PERIOD_SECONDS="60")
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("reply", client.greet("slow", timeout=120)))
        thread.start()
        wait_for(lambda: (markers / "slow-started").exists(), what="the call to start")
        server.proc.send_signal(signal.SIGTERM)
        # new calls are refused while the admitted one is still running
        def refused():
            try:
                client.greet("late", timeout=2)
            except grpc.RpcError:
                return True
            return False

        assert wait_for(refused, what="new calls to be refused")
        assert server.proc.poll() is None
        (markers / "release").write_text("")
        thread.join(60)
        assert result["reply"].greeting == "Hello slow"
        assert server.proc.wait(timeout=60) == 0


def test_main_serves_grpc_and_http_and_stops_both(runtime, models_dir, sample_services):
    save_greeter(models_dir, "greeter")
    http_port = free_port()
    server = runtime(RUNTIME_HTTP_ENABLED="true", RUNTIME_HTTP_PORT=str(http_port))

    def health():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/health", timeout=5) as response:
                return response.read()
        except OSError:
            return b""

    assert wait_for(health, what="the HTTP server") == b"OK"
    with channel_to(server.port) as channel:
        assert Clients(sample_services, channel).greet("both").greeting == "Hello both"
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=60) == 0


def test_grpc_server_module_serves_grpc_only(runtime, models_dir, sample_services):
    save_greeter(models_dir, "greeter")
    http_port = free_port()
    server = runtime(module="caikit.runtime.grpc_server", RUNTIME_HTTP_ENABLED="true", RUNTIME_HTTP_PORT=str(http_port))
    with channel_to(server.port) as channel:
        assert Clients(sample_services, channel).greet("solo").greeting == "Hello solo"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{http_port}/health", timeout=2)
    assert server.stop() == 0
