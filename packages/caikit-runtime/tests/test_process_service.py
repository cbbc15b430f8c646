"""caikit 0.29.1's legacy ``processproto.Process/Run`` ("train by dict") against a real runtime.

Every expectation (status codes, messages, ids, where the model is saved, that ``Run`` waits
for the training, registration and reflection) is what caikit 0.29.1 answered, recorded in
``fixtures/reference_process_service.md``; the two cases where we refuse what it accepted
(paths leading out of the output directory, a training id in use) are marked.
"""
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from runtime_test_helpers import Clients, channel_to, rpc_error

COMPLETED, ERRORED = 3, 5
FIXTURE = Path(__file__).parent / "fixtures" / "reference_process_service.md"
UNKNOWN_MODULE = "Model Train not able to parse module for this Train Request"
PREFIX = "Exception raised during training. This may be a problem with your input: "
UNHANDLED = "Unhandled exception during training"


def _messages():
    from caikit.runtime.grpc_server._process import messages

    return messages()


def _run_stub(channel):
    msgs = _messages()
    return channel.unary_unary(
        "/processproto.Process/Run",
        request_serializer=msgs.ProcessRequest.SerializeToString,
        response_deserializer=msgs.ProcessResponse.FromString,
    )


def _request(train_module=None, training_params=None, **fields):
    request_dict = dict(fields.pop("request_dict", {}))
    if train_module is not None:
        request_dict["train_module"] = train_module
    if training_params is not None:
        request_dict["training_params"] = training_params if isinstance(training_params, str) else json.dumps(training_params)
    return _messages().ProcessRequest(request_dict=request_dict, **fields)


def _status(client, training_id):
    request = client.training_management_messages.TrainingInfoRequest(training_id=training_id)
    return client.training_management.GetTrainingStatus(request)


@pytest.fixture
def process(runtime, tmp_path, sample_services):
    """``(run, clients, output_dir)`` of a runtime serving sample_lib with training on."""
    out = tmp_path / "train-out"
    server = runtime(RUNTIME_TRAINING_OUTPUT_DIR=str(out))
    with channel_to(server.port) as channel:
        yield _run_stub(channel), Clients(sample_services, channel), out


def test_descriptors_are_those_of_the_shipped_process_proto(tmp_path):
    """Our in-code descriptors against ``protoc`` on the .proto 0.29.1 ships (quoted in the fixture)."""
    pytest.importorskip("grpc_tools")
    from caikit.runtime.grpc_server._process import file_descriptor_proto
    from google.protobuf import descriptor_pb2

    proto_text = re.search(r"```proto\n(.*?)```", FIXTURE.read_text(), re.S).group(1)
    (tmp_path / "process.proto").write_text(proto_text)
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{tmp_path}", f"--descriptor_set_out={tmp_path / 'set.pb'}", "process.proto"],
        check=True,
    )
    (compiled,) = descriptor_pb2.FileDescriptorSet.FromString((tmp_path / "set.pb").read_bytes()).file
    ours = file_descriptor_proto()
    assert [(f.name, f.json_name) for f in ours.message_type[0].field] == [
        ("trainingID", "trainingID"), ("customTrainingID", "customTrainingID"), ("request_dict", "requestDict"),
        ("training_input_dir", "trainingInputDir"), ("training_output_dir", "trainingOutputDir"),
        ("data_input_dir", "dataInputDir"), ("data_inputs", "dataInputs"),
    ]
    # json names aside (protoc may leave them to the runtime), and protoc's empty method options
    for fdp in (ours, compiled):
        for message in fdp.message_type:
            for field in [*message.field, *(f for nested in message.nested_type for f in nested.field)]:
                field.ClearField("json_name")
        for method in fdp.service[0].method:
            method.ClearField("options")
    assert ours == compiled


def test_run_trains_synchronously_and_the_training_is_visible(process):
    run, client, out = process
    params = {"model_name": "hello", "parameters": {"greeting_prefix": "Hi", "sleep_seconds": 1.0}}
    started = time.monotonic()
    answer = run(_request("sample-greeter", params, trainingID="run-1"), timeout=60)
    assert time.monotonic() - started >= 1.0  # Run answers when the training has finished
    assert (answer.trainingID, answer.customTrainingID, dict(answer.response_dict)) == ("run-1", "", {})
    status = _status(client, "run-1")
    assert status.state == COMPLETED and status.HasField("completion_timestamp")
    assert "Hi {}" in (out / "run-1" / "hello" / "config.yml").read_text()


def test_custom_training_id_is_the_training_id(process):
    run, client, out = process
    params = {"model_name": "g2", "parameters": {"greeting_prefix": "Hi"}}
    answer = run(_request("sample-greeter", params, trainingID="t2", customTrainingID="c2"), timeout=60)
    assert (answer.trainingID, answer.customTrainingID) == ("t2", "c2")
    assert _status(client, "c2").state == COMPLETED
    err = rpc_error(_status, client, "t2")
    assert (err.code(), err.details()) == (grpc.StatusCode.NOT_FOUND, "Unknown training_id: t2")
    assert (out / "c2" / "g2" / "config.yml").exists()


def test_without_ids_nor_model_name_the_model_is_saved_under_a_new_uuid(process):
    run, client, out = process
    answer = run(_request("sample-greeter", {"parameters": {"greeting_prefix": "Yo"}}), timeout=60)
    assert answer == _messages().ProcessResponse()  # 0.29.1 answers an empty message
    (saved,) = list(out.iterdir())
    assert re.fullmatch(r"[0-9a-f-]{36}", saved.name) and (saved / "config.yml").exists()
    assert _status(client, saved.name).state == COMPLETED


def test_training_params_take_camel_case_and_other_inputs_are_ignored(process):
    run, _, out = process
    request = _request(
        "sample-greeter",
        {"modelName": "cc", "parameters": {"greetingPrefix": "Camel"}},
        trainingID="a1",
        request_dict={"extra": "1"},
        training_output_dir=str(out / "elsewhere"),
        data_inputs={"a": "b"},
        data_input_dir=["/nope"],
    )
    assert run(request, timeout=60).trainingID == "a1"
    assert "Camel {}" in (out / "a1" / "cc" / "config.yml").read_text()
    assert not (out / "elsewhere").exists()


def test_bad_input_gets_the_reference_status_codes(process):
    run, client, out = process
    cases = [
        (_request(), grpc.StatusCode.INVALID_ARGUMENT, UNKNOWN_MODULE),
        (_request("nosuch", {}), grpc.StatusCode.INVALID_ARGUMENT, UNKNOWN_MODULE),
        (_request("GreeterModule", {}), grpc.StatusCode.INVALID_ARGUMENT, UNKNOWN_MODULE),
        (_request("sample_lib.GreeterModule", {}), grpc.StatusCode.INVALID_ARGUMENT, UNKNOWN_MODULE),
        (_request("sample-greeter"), grpc.StatusCode.INVALID_ARGUMENT, PREFIX + "Expecting value: line 1 column 1 (char 0)"),
        (_request("sample-greeter", "not json"), grpc.StatusCode.INVALID_ARGUMENT, PREFIX + "Expecting value: line 1 column 1 (char 0)"),
        (_request("sample-greeter", "[1]"), grpc.StatusCode.INTERNAL, UNHANDLED),
        (_request("sample-greeter", {"greeting_prefix": "x"}), grpc.StatusCode.INTERNAL, UNHANDLED),
        (_request("sample-greeter", {"parameters": {"nope": 1}}), grpc.StatusCode.INTERNAL, UNHANDLED),
        (_request("sample-greeter", {"parameters": {"greeting_prefix": 5}}), grpc.StatusCode.INTERNAL, UNHANDLED),
        (
            _request("sample-greeter", {"model_name": "op", "output_path": {"path": "bucket/key"}}, trainingID="j5"),
            grpc.StatusCode.INVALID_ARGUMENT,
            PREFIX + "S3 output path not supported by this runtime",
        ),
    ]
    for request, code, details in cases:
        err = rpc_error(run, request, timeout=60)
        assert (err.code(), err.details()) == (code, details), request
    assert rpc_error(_status, client, "j5").code() == grpc.StatusCode.NOT_FOUND
    assert not out.exists() or not any(out.iterdir())


def test_a_failed_training_fails_run_and_is_errored(process):
    run, client, _ = process
    params = {"model_name": "f", "parameters": {"greeting_prefix": "fail"}}
    err = rpc_error(run, _request("sample-greeter", params, trainingID="f1"), timeout=60)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, PREFIX + "cannot train with prefix 'fail'")
    status = _status(client, "f1")
    assert status.state == ERRORED and list(status.reasons) == ["cannot train with prefix 'fail'"]


@pytest.mark.parametrize(
    "fields",
    [
        {"trainingID": "../escaped"},
        {"trainingID": "ok", "customTrainingID": "a/b"},
        {"trainingID": "m1", "training_params": {"model_name": "../escape"}},
    ],
)
def test_paths_out_of_the_output_dir_are_refused(process, tmp_path, fields):
    """0.29.1 wrote these outside its output directory; we refuse them (INVALID_ARGUMENT)."""
    run, _, out = process
    params = fields.pop("training_params", {"model_name": "b"})
    err = rpc_error(run, _request("sample-greeter", params, **fields), timeout=60)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith(PREFIX)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "escape").exists()
    assert not out.exists() or not any(out.iterdir())


def test_a_training_id_in_use_is_refused(process):
    """0.29.1 trained again over the previous training; we refuse (INVALID_ARGUMENT)."""
    run, client, _ = process
    assert run(_request("sample-greeter", {"model_name": "x", "parameters": {"greeting_prefix": "A"}}, trainingID="dup"), timeout=60).trainingID == "dup"
    err = rpc_error(run, _request("sample-greeter", {"model_name": "y", "parameters": {"greeting_prefix": "B"}}, trainingID="dup"), timeout=60)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "already in use" in err.details()
    assert _status(client, "dup").state == COMPLETED


def test_not_listed_by_reflection_but_resolvable(process):
    from google.protobuf import descriptor_pb2
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    _, client, _ = process
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)
    (listed,) = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {s.name for s in listed.list_services_response.service}
    assert "caikit.runtime.training.TrainingManagement" in names and "processproto.Process" not in names
    request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="processproto.Process")
    (found,) = stub.ServerReflectionInfo(iter([request]))
    (file_bytes,) = found.file_descriptor_response.file_descriptor_proto
    proto = descriptor_pb2.FileDescriptorProto.FromString(file_bytes)
    assert (proto.name, proto.package, [s.name for s in proto.service]) == ("process.proto", "processproto", ["Process"])


def test_absent_when_training_is_disabled(runtime):
    server = runtime(RUNTIME_SERVICE_GENERATION_ENABLE_TRAINING="false")
    with channel_to(server.port) as channel:
        err = rpc_error(_run_stub(channel), _request("sample-greeter", {}), timeout=30)
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED

