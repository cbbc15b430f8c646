"""A call that ends early -- cancelled by the client or past its deadline -- stops the model's
work. The sample model's "slow" call runs until it is stopped (or released by the test), and
marks files when it starts and stops."""
import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error, save_greeter, wait_for


@pytest.fixture
def slow_server(runtime, models_dir, tmp_path, sample_services):
    markers = tmp_path / "markers"
    markers.mkdir()
    save_greeter(models_dir, "greeter")
    server = runtime(SAMPLE_LIB_MARKER_DIR=str(markers))
    with channel_to(server.port) as channel:
        yield Clients(sample_services, channel), markers
    (markers / "release").write_text("")  # never leave a model running


def test_client_cancel_stops_the_model(slow_server):
    client, markers = slow_server
    future = client.inference.GreetingTaskPredict.future(
        client.inference_messages.GreetingTaskRequest(name="slow"), metadata=[("mm-model-id", "greeter")]
    )
    wait_for(lambda: (markers / "slow-started").exists(), what="the model to start")
    future.cancel()
    wait_for(lambda: (markers / "slow-stopped").exists(), what="the model to stop after the cancel")
    assert not (markers / "release").exists()


def test_deadline_stops_the_model(slow_server):
    client, markers = slow_server
    with pytest.raises(grpc.RpcError) as info:
        client.greet("slow", timeout=1)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    wait_for(lambda: (markers / "slow-stopped").exists(), what="the model to stop after the deadline")


def test_cancelled_stream_stops_the_model(slow_server):
    client, markers = slow_server
    messages = client.inference_messages

    def requests():
        yield messages.BidiStreamingGreetingTaskRequest(name="fast")
        yield messages.BidiStreamingGreetingTaskRequest(name="slow")

    call = client.inference.BidiStreamingGreetingTaskPredict(requests(), metadata=[("mm-model-id", "greeter")])
    assert next(call).greeting == "Hello fast"
    wait_for(lambda: (markers / "slow-started").exists(), what="the model to start")
    call.cancel()
    wait_for(lambda: (markers / "slow-stopped").exists(), what="the streaming model to stop")


def test_server_still_serves_after_cancellations(slow_server):
    client, markers = slow_server
    with pytest.raises(grpc.RpcError):
        client.greet("slow", timeout=0.5)
    wait_for(lambda: (markers / "slow-stopped").exists(), what="the model to stop")
    assert client.greet("again").greeting == "Hello again"


def test_cancelling_a_prediction_job_stops_the_model(slow_server):
    client, markers = slow_server
    request = client.inference_messages.GreetingTaskRequest(name="slow")
    job = client.jobs.GreetingTaskStartPredictionJob(request, metadata=[("mm-model-id", "greeter")])
    wait_for(lambda: (markers / "slow-started").exists(), what="the job to start")
    info = client.jobs_messages.PredictionJobInfoRequest(prediction_id=job.prediction_id)
    assert client.jobs.GreetingTaskCancelPredictionJob(info).state == 4  # CANCELED
    wait_for(lambda: (markers / "slow-stopped").exists(), what="the job's model to stop")
    err = rpc_error(client.jobs.GreetingTaskGetPredictionJobResult, info)
    assert err.code() == grpc.StatusCode.CANCELLED
