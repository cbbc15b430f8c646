"""caikit.interfaces.common / caikit.interfaces.runtime: names, packages and behaviour."""

import datetime
import importlib
import json
import os

import pytest
from caikit.core.data_model import DataBase, JobStatus


def test_interfaces_is_a_namespace_package():
    import caikit.interfaces

    assert getattr(caikit.interfaces, "__file__", None) is None
    core_src = os.path.dirname(os.path.dirname(importlib.import_module("caikit.core").__file__))
    assert not os.path.exists(os.path.join(core_src, "interfaces", "__init__.py"))


@pytest.mark.parametrize(
    "name, full_name, fields",
    [
        ("StrSequence", "caikit_data_model.common.StrSequence", ("values",)),
        ("IntSequence", "caikit_data_model.common.IntSequence", ("values",)),
        ("FloatSequence", "caikit_data_model.common.FloatSequence", ("values",)),
        ("BoolSequence", "caikit_data_model.common.BoolSequence", ("values",)),
        ("File", "caikit_data_model.common.File", ("data", "filename", "type")),
        ("ProducerId", "caikit_data_model.common.ProducerId", ("name", "version")),
        ("ProducerPriority", "caikit_data_model.common.ProducerPriority", ("producers",)),
        ("FileReference", "caikit_data_model.common.FileReference", ("filename",)),
        ("ListOfFileReferences", "caikit_data_model.common.ListOfFileReferences", ("files",)),
        ("Directory", "caikit_data_model.common.Directory", ("dirname", "extension")),
        (
            "S3Path",
            "caikit_data_model.common.S3Path",
            (
                "endpoint",
                "region",
                "bucket",
                "accessKey",
                "secretKey",
                "IAM_id",
                "IAM_api_key",
                "path",
            ),
        ),
    ],
)
def test_common_data_model(name, full_name, fields):
    module = importlib.import_module("caikit.interfaces.common.data_model")
    cls = getattr(module, name)
    assert cls.full_name == full_name
    assert cls.fields == fields
    assert DataBase.get_class_for_name(full_name) is cls


@pytest.mark.parametrize(
    "name, full_name",
    [
        ("TrainingInfoRequest", "caikit_data_model.runtime.TrainingInfoRequest"),
        ("TrainingJob", "caikit_data_model.runtime.TrainingJob"),
        ("TrainingStatusResponse", "caikit_data_model.runtime.TrainingStatusResponse"),
        ("ModelInfo", "caikit_data_model.common.runtime.ModelInfo"),
        ("ModelInfoRequest", "caikit_data_model.common.runtime.ModelInfoRequest"),
        ("ModelInfoResponse", "caikit_data_model.common.runtime.ModelInfoResponse"),
        ("RuntimeInfoRequest", "caikit_data_model.common.runtime.RuntimeInfoRequest"),
        ("RuntimeInfoResponse", "caikit_data_model.common.runtime.RuntimeInfoResponse"),
        ("DeployModelRequest", "caikit_data_model.runtime.DeployModelRequest"),
        ("UndeployModelRequest", "caikit_data_model.runtime.UndeployModelRequest"),
        ("PredictionJob", "caikit_data_model.runtime.PredictionJob"),
        ("PredictionJobInfoRequest", "caikit_data_model.runtime.PredictionJobInfoRequest"),
        ("PredictionJobStatusResponse", "caikit_data_model.runtime.PredictionJobStatusResponse"),
    ],
)
def test_runtime_data_model(name, full_name):
    module = importlib.import_module("caikit.interfaces.runtime.data_model")
    assert getattr(module, name).full_name == full_name


def test_training_status_importable_as_in_the_seed_grpc_example():
    from caikit.interfaces.runtime.data_model import TrainingInfoRequest, TrainingStatus

    assert TrainingStatus is JobStatus
    assert TrainingStatus.COMPLETED.value == 3
    assert TrainingInfoRequest(training_id="x").to_proto().training_id == "x"


def test_training_status_response_json_and_proto():
    from caikit.interfaces.runtime.data_model import TrainingStatusResponse

    utc = datetime.timezone.utc
    resp = TrainingStatusResponse(
        training_id="t1",
        state=JobStatus.ERRORED,
        submission_timestamp=datetime.datetime(2026, 11, 21, 11, 13, 21, 452517, tzinfo=utc),
        completion_timestamp=None,
        reasons=["boom"],
    )
    data = json.loads(resp.to_json())
    assert data == {
        "training_id": "t1",
        "state": "ERRORED",
        "submission_timestamp": "2026-11-21T11:13:21.452517Z",
        "completion_timestamp": None,
        "reasons": ["boom"],
    }
    proto = resp.to_proto()
    assert proto.state == JobStatus.ERRORED.value
    assert TrainingStatusResponse.from_proto(proto) == resp


def test_model_info_field_seven_and_json_metadata():
    from caikit.interfaces.runtime.data_model import ModelInfo

    desc = ModelInfo.get_proto_class().DESCRIPTOR
    assert desc.fields_by_name["loaded"].number == 7
    info = ModelInfo(model_path="p", name="n", size=3, metadata={"a": 1}, loaded=True,
                     module_id="m", module_metadata={"k": "v"})  # fmt: skip
    assert ModelInfo.from_proto(info.to_proto()) == info


def test_deploy_model_request_with_files_json():
    from caikit.interfaces.common.data_model import File
    from caikit.interfaces.runtime.data_model import DeployModelRequest

    body = '{"model_id": "d1", "model_files": [{"filename": "config.yml", "data": "aGk="}]}'
    req = DeployModelRequest.from_json(body)
    assert req.model_files == [File(data=b"hi", filename="config.yml", type="")]


def test_vector1d_helpers_and_float32():
    from caikit.interfaces.common.data_model import NpFloat32Sequence, Vector1D

    vec = Vector1D.from_vector([1, 2.5])
    assert vec.which_oneof("data") == "data_pyfloatsequence"
    assert Vector1D.from_proto(vec.to_proto()).to_list() == [1.0, 2.5]
    assert NpFloat32Sequence.get_proto_class().DESCRIPTOR.fields[0].type == 2  # float


def test_connection_info_optionals():
    from caikit.interfaces.common.data_model import ConnectionInfo, ConnectionTlsInfo

    info = ConnectionInfo(hostname="h", tls=ConnectionTlsInfo(enabled=False), max_session_age=5)
    back = ConnectionInfo.from_proto(info.to_proto())
    assert back == info and back.tls.ca_file is None
    assert (
        back.max_session_age == 5 and back.which_oneof("max_session_age") == "max_session_age_int"
    )


def test_connection_info_fills_caikit_0_29_defaults():
    """As 0.29.1 does at construction (the JSON of these is compared byte for byte with
    0.29.1's in test_dataobject_wire_compat); unlike 0.29.1, explicit None and values missing
    from JSON also get the defaults, not an AttributeError or 0."""
    from caikit.interfaces.common.data_model import ConnectionInfo, ConnectionTlsInfo

    plain = ConnectionInfo(hostname="h")
    assert (plain.port, plain.timeout, plain.retries, plain.options, plain.retry_options) == (80, 60, 1, {}, {})
    assert plain.tls == ConnectionTlsInfo(enabled=False, insecure_verify=False)
    assert plain.max_session_age == -1
    assert ConnectionInfo(hostname="h", tls=ConnectionTlsInfo(enabled=True)).port == 443
    assert ConnectionInfo(hostname="h", port=0, tls=None) == plain
    assert ConnectionInfo.from_json('{"hostname": "h"}') == plain
    assert ConnectionInfo.from_proto(ConnectionInfo.get_proto_class()(hostname="h")) == plain
    custom = ConnectionInfo(hostname="h", port=8080, timeout=5, retries=0)
    assert (custom.port, custom.timeout, custom.retries) == (8080, 5, 0)
