"""Training over gRPC: status, cancellation, failures, and where models are saved."""
import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error, wait_for

COMPLETED, CANCELED, ERRORED, RUNNING = 3, 4, 5, 2


@pytest.fixture
def trainer(runtime, tmp_path, sample_services):
    out = tmp_path / "train-out"
    server = runtime(RUNTIME_TRAINING_OUTPUT_DIR=str(out))
    with channel_to(server.port) as channel:
        yield Clients(sample_services, channel), out


def _train(client, prefix="Hi", model_name="m", **params):
    messages = client.training_messages
    request = messages.GreetingTaskGreeterModuleTrainRequest(
        model_name=model_name,
        parameters=messages.GreetingTaskGreeterModuleTrainParameters(greeting_prefix=prefix, **params),
    )
    return client.training.GreetingTaskGreeterModuleTrain(request)


def _status(client, training_id):
    request = client.training_management_messages.TrainingInfoRequest(training_id=training_id)
    return client.training_management.GetTrainingStatus(request)


def test_training_completes_and_saves_under_the_id(trainer):
    client, out = trainer
    job = _train(client, model_name="hello")
    assert job.model_name == "hello" and len(job.training_id) == 36  # a plain uuid4
    status = wait_for(lambda: (s := _status(client, job.training_id)).state in (COMPLETED, ERRORED) and s)
    assert status.state == COMPLETED
    assert status.HasField("submission_timestamp") and status.HasField("completion_timestamp")
    assert (out / job.training_id / "hello" / "config.yml").exists()


def test_cancel_a_running_training(trainer):
    client, out = trainer
    job = _train(client, model_name="slowpoke", sleep_seconds=600.0)
    wait_for(lambda: _status(client, job.training_id).state == RUNNING, what="the training to run")
    request = client.training_management_messages.TrainingInfoRequest(training_id=job.training_id)
    assert client.training_management.CancelTraining(request).state == CANCELED
    assert _status(client, job.training_id).state == CANCELED
    assert not (out / job.training_id / "slowpoke").exists()


def test_failed_training_reports_its_reason(trainer):
    client, _ = trainer
    job = _train(client, prefix="fail", model_name="broken")
    status = wait_for(lambda: (s := _status(client, job.training_id)).state in (COMPLETED, ERRORED) and s)
    assert status.state == ERRORED
    assert list(status.reasons) == ["cannot train with prefix 'fail'"]


@pytest.mark.parametrize("bad_name", ["", "../escape", "a/b", "/abs"])
def test_model_names_that_are_not_directory_names_are_refused(trainer, bad_name):
    client, out = trainer
    err = rpc_error(_train, client, model_name=bad_name)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not out.exists() or not any(out.iterdir())


def test_s3_output_is_refused(trainer):
    client, _ = trainer
    messages = client.training_messages
    request = messages.GreetingTaskGreeterModuleTrainRequest(
        model_name="s3", parameters=messages.GreetingTaskGreeterModuleTrainParameters(greeting_prefix="x")
    )
    request.output_path.path = "bucket/key"
    err = rpc_error(client.training.GreetingTaskGreeterModuleTrain, request)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "S3 output path not supported by this runtime")


def test_trained_model_is_served_when_saved_into_the_models_dir(runtime, models_dir, sample_services):
    server = runtime(
        RUNTIME_TRAINING_OUTPUT_DIR=str(models_dir),
        RUNTIME_TRAINING_SAVE_WITH_ID="false",
        RUNTIME_LAZY_LOAD_LOCAL_MODELS="true",
    )
    with channel_to(server.port) as channel:
        client = Clients(sample_services, channel)
        job = _train(client, prefix="Greetings", model_name="greeter")
        wait_for(lambda: _status(client, job.training_id).state == COMPLETED)
        assert client.greet("Gabe").greeting == "Greetings Gabe"
