"""Service generation from the sample library (transport-neutral layer)."""
import pytest


def test_inference_rpcs_and_requests(sample_services):
    rpcs = {rpc.name: rpc for rpc in sample_services.task_rpcs}
    assert sorted(rpcs) == [
        "BidiStreamingGreetingTaskPredict",
        "ClientStreamingGreetingTaskPredict",
        "GreetingTaskPredict",
        "ServerStreamingGreetingTaskPredict",
        "TallyTaskPredict",
    ]
    unary = rpcs["GreetingTaskPredict"]
    assert [(f.name, f.field_type, f.optional) for f in unary.fields] == [("name", str, False), ("punctuation", str, True)]
    assert unary.request.full_name == "caikit.runtime.SampleLib.GreetingTaskRequest"
    assert unary.response.full_name == "sample_lib.data_model.Greeting"
    assert unary.route == "greeting"
    bidi = rpcs["BidiStreamingGreetingTaskPredict"]
    assert (bidi.client_streaming, bidi.server_streaming) == (True, True)
    assert [(f.name, f.streamed) for f in bidi.fields] == [("name", True)]


def test_bindings_read_requests(sample_services):
    from sample_lib import CounterModule, GreeterModule, Person

    rpcs = {rpc.name: rpc for rpc in sample_services.task_rpcs}
    unary = rpcs["GreetingTaskPredict"]
    binding = unary.binding_for(GreeterModule)
    assert binding.method_name == "run" and binding.required == {"name"}
    message = unary.request.get_proto_class()(name="x")
    assert binding.kwargs_from_proto(message) == {"name": "x"}  # unset optional left out
    message.punctuation = ""
    assert binding.kwargs_from_proto(message) == {"name": "x", "punctuation": ""}  # set, even if empty
    assert unary.binding_for(CounterModule) is None
    tally = rpcs["TallyTaskPredict"]
    request = tally.request(people=[Person("a", 3)])
    kwargs = tally.binding_for(CounterModule).kwargs_from_proto(request.to_proto())
    assert kwargs == {"people": [Person("a", 3)]}
    assert tally.binding_for(CounterModule).kwargs_from_dataobject(request) == {"people": [Person("a", 3)]}


def test_subclasses_find_their_binding(sample_services):
    from sample_lib import GreeterModule

    class Special(GreeterModule):
        pass

    rpc = next(r for r in sample_services.task_rpcs if r.name == "GreetingTaskPredict")
    assert rpc.binding_for(Special).method_name == "run"


def test_train_rpcs_and_data_stream_sources(sample_services):
    rpcs = {rpc.name: rpc for rpc in sample_services.train_rpcs}
    assert sorted(rpcs) == ["GreetingTaskGreeterModuleTrain", "TallyTaskCounterModuleTrain"]
    greeter = rpcs["GreetingTaskGreeterModuleTrain"]
    assert [(p.name, p.optional, p.stream_source) for p in greeter.params] == [
        ("greeting_prefix", False, False),
        ("training_data", True, True),
        ("sleep_seconds", True, False),
    ]
    source_class = greeter.params[1].field_type
    assert source_class.full_name == "caikit.runtime.SampleLib.DataStreamSourceStr"
    oneof = source_class.get_proto_class().DESCRIPTOR.oneofs_by_name["data_stream"]
    assert [f.name for f in oneof.fields] == ["jsondata", "file", "list_of_files", "directory", "s3files"]
    json_data = source_class.get_proto_class().DESCRIPTOR.fields_by_name["jsondata"].message_type
    params = greeter.parameters.get_proto_class()(greeting_prefix="Hi")
    params.training_data.jsondata.data.extend(["a", "b"])
    kwargs = greeter.train_kwargs(greeter.parameters.from_proto(params))
    assert kwargs["greeting_prefix"] == "Hi" and list(kwargs["training_data"]) == ["a", "b"]
    assert "sleep_seconds" not in kwargs
    assert json_data.name == "DataStreamSourceStrJsonData"


def test_file_data_stream_source(sample_services, tmp_path):
    greeter = next(r for r in sample_services.train_rpcs if r.name == "GreetingTaskGreeterModuleTrain")
    source_class = greeter.params[1].field_type
    data = tmp_path / "names.txt"
    data.write_text("x\ny\n")
    proto = source_class.get_proto_class()()
    proto.file.filename = str(data)
    assert list(source_class.from_proto(proto).to_data_stream()) == ["x", "y"]
    proto = source_class.get_proto_class()()
    proto.s3files.files.append("s3://x")
    with pytest.raises(ValueError, match="S3"):
        source_class.from_proto(proto).to_data_stream()


def test_helpers_return_the_dataobjects(sample_services):
    import caikit.runtime as runtime
    from caikit.config import temp_config
    from sample_lib import CounterModule, GreeterModule, GreetingTask

    with temp_config({"runtime": {"library": "sample_lib"}}):
        assert runtime.get_inference_request(GreetingTask).__name__ == "GreetingTaskRequest"
        assert runtime.get_inference_request(GreetingTask, output_streaming=True).__name__ == "ServerStreamingGreetingTaskRequest"
        assert runtime.get_inference_request(GreeterModule, input_streaming=True).__name__ == "ClientStreamingGreetingTaskRequest"
        assert runtime.get_train_request(CounterModule).__name__ == "TallyTaskCounterModuleTrainRequest"
        assert runtime.get_train_params(GreeterModule).__name__ == "GreetingTaskGreeterModuleTrainParameters"


def test_fixed_services(sample_services):
    assert sample_services.training_management.full_name == "caikit.runtime.training.TrainingManagement"
    assert [r.name for r in sample_services.training_management.rpcs] == ["GetTrainingStatus", "CancelTraining"]
    assert sample_services.model_management.full_name == "caikit.runtime.models.ModelManagement"
    assert sample_services.info.full_name == "caikit.runtime.info.InfoService"
    assert sample_services.jobs.full_name == "caikit.runtime.SampleLib.SampleLibJobService"
