"""Generated names follow the reference (contract §2.1, §2.2, §3.1)."""
import pytest
from caikit.runtime import names
from caikit.runtime.names import Flavour


@pytest.mark.parametrize(
    "library, domain",
    [("greeter_lib", "GreeterLib"), ("caikit_nlp", "Nlp"), ("__main__", "Main"), ("sample_lib", "SampleLib")],
)
def test_domain_from_library(library, domain):
    assert names.domain_name(library) == domain
    assert names.package_name(domain) == f"caikit.runtime.{domain}"


def test_overrides_win():
    assert names.domain_name("x", "Custom") == "Custom"
    assert names.package_name("Custom", "my.pkg") == "my.pkg"


@pytest.mark.parametrize(
    "flavour, rpc, request_name",
    [
        (Flavour.UNARY, "GreetingTaskPredict", "GreetingTaskRequest"),
        (Flavour.SERVER_STREAMING, "ServerStreamingGreetingTaskPredict", "ServerStreamingGreetingTaskRequest"),
        (Flavour.CLIENT_STREAMING, "ClientStreamingGreetingTaskPredict", "ClientStreamingGreetingTaskRequest"),
        (Flavour.BIDI_STREAMING, "BidiStreamingGreetingTaskPredict", "BidiStreamingGreetingTaskRequest"),
    ],
)
def test_task_names(flavour, rpc, request_name):
    assert names.task_predict_rpc_name("GreetingTask", flavour) == rpc
    assert names.task_request_name("GreetingTask", flavour) == request_name
    assert Flavour.of(flavour.input_streaming, flavour.output_streaming) is flavour


def test_train_names():
    assert names.train_rpc_name("GreetingTask", "GreeterModule") == "GreetingTaskGreeterModuleTrain"
    assert names.train_request_name("GreetingTask", "GreeterModule") == "GreetingTaskGreeterModuleTrainRequest"
    assert names.train_parameters_name("GreetingTask", "GreeterModule") == "GreetingTaskGreeterModuleTrainParameters"


@pytest.mark.parametrize(
    "rpc, route",
    [
        ("GreetingTaskPredict", "greeting"),
        ("TextGenerationTaskPredict", "text-generation"),
        ("ServerStreamingGreetingTaskPredict", "server-streaming-greeting"),
        ("HTTPThingTaskPredict", "http-thing"),
    ],
)
def test_http_routes(rpc, route):
    assert names.task_route_name(rpc) == route


def test_services_named_after_domain():
    assert names.service_name("Main", "") == "MainService"
    assert names.service_name("Main", "Training") == "MainTrainingService"
    assert names.data_stream_source_name("str") == "DataStreamSourceStr"
