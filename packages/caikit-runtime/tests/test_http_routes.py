"""Every route of the HTTP server against a real server (sample_lib), and its error answers."""
from __future__ import annotations

import base64
import json
import re
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import sample_lib

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    models = {
        "greeter": lambda path: sample_lib.GreeterModule("Hi {}").save(path),
        "counter": lambda path: sample_lib.CounterModule(18).save(path),
    }
    with http_support.running_server(tmp_path_factory.mktemp("routes"), "sample_lib", models) as running:
        yield running


def _url(server, path):
    return http_support.url(server, path)


def _predict(server, body, path="/api/v1/task/greeting", **kwargs):
    return requests.post(_url(server, path), json=body, timeout=30, **kwargs)


# -- unary predict ----------------------------------------------------------------------------


def test_predict_answers_the_output_dataobject(server):
    response = _predict(server, {"inputs": "Gabe", "model_id": "greeter"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == '{"greeting": "Hi Gabe"}'


def test_predict_passes_parameters_and_drops_nulls(server):
    body = {"inputs": "Gabe", "model_id": "greeter", "parameters": {"punctuation": "!"}}
    assert _predict(server, body).json() == {"greeting": "Hi Gabe!"}
    body["parameters"] = {"punctuation": None}
    assert _predict(server, body).json() == {"greeting": "Hi Gabe"}


def test_falsy_inputs_reach_the_model(server):
    # the reference dropped "" (and 0/false) and answered 400 "missing 1 required argument"
    assert _predict(server, {"inputs": "", "model_id": "greeter"}).json() == {"greeting": "Hi "}


def test_json_with_a_charset_is_json(server):
    body = json.dumps({"inputs": "Gabe", "model_id": "greeter"}).encode()
    response = requests.post(
        _url(server, "/api/v1/task/greeting"), data=body,
        headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30,
    )
    assert response.status_code == 200
    assert response.json() == {"greeting": "Hi Gabe"}


def test_a_list_of_dataobjects_as_inputs(server):
    people = [{"name": "Ann", "age": 30}, {"name": "Bo", "age": 3}, {"name": "Cy", "age": None}]
    response = _predict(server, {"inputs": people, "model_id": "counter"}, "/api/v1/task/tally")
    assert response.json() == {"count": 2, "names": ["Ann", "Cy"]}
    params = {"inputs": people, "model_id": "counter", "parameters": {"include_unknown_age": False}}
    assert _predict(server, params, "/api/v1/task/tally").json() == {"count": 1, "names": ["Ann"]}


def test_null_elements_in_a_list_of_objects_are_422(server):
    body = {"inputs": [{"name": "Ann"}, None], "model_id": "counter"}
    answer = http_support.assert_error(_predict(server, body, "/api/v1/task/tally"), 422)
    assert answer["additional_info"][0]["loc"] == ["body", "people", 1]


def test_integers_outside_their_range_are_422(server):
    body = {"inputs": "Gabe", "model_id": "greeter", "parameters": {"repeat": 2**70}}
    response = requests.post(_url(server, "/api/v1/task/server-streaming-greeting"), json=body, timeout=30)
    answer = http_support.assert_error(response, 422)
    assert answer["additional_info"][0]["loc"] == ["body", "repeat"]


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_number_constants_are_422(server, constant):
    raw = b'{"inputs": "x", "model_id": "counter", "parameters": {"x": ' + constant + b"}}"
    response = requests.post(
        _url(server, "/api/v1/task/greeting"), data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    http_support.assert_error(response, 422)


def test_missing_model_id_is_400(server):
    http_support.assert_error(_predict(server, {"inputs": "Gabe"}), 400, "Please provide model_id in payload")


def test_unknown_model_is_404(server):
    body = http_support.assert_error(_predict(server, {"inputs": "Gabe", "model_id": "nope"}), 404)
    assert "nope" in body["details"]


def test_invalid_model_id_is_400(server):
    http_support.assert_error(_predict(server, {"inputs": "Gabe", "model_id": "../etc"}), 400)


def test_model_of_another_task_is_400(server):
    body = http_support.assert_error(_predict(server, {"inputs": [], "model_id": "greeter"}, "/api/v1/task/tally"), 400)
    assert "not supported by this runtime" in body["details"]


@pytest.mark.parametrize(
    ("name", "status", "details"),
    [
        ("type-error", 400, "name must not be 'type-error'"),
        ("value-error", 400, "name must not be 'value-error'"),
        ("not-found", 404, "no such person: not-found"),
        ("boom", 500, "Unhandled exception: boom"),
    ],
)
def test_model_errors_map_to_statuses(server, name, status, details):
    http_support.assert_error(_predict(server, {"inputs": name, "model_id": "greeter"}), status, details)


def test_missing_content_type_is_415(server):
    response = requests.post(_url(server, "/api/v1/task/greeting"), data=b'{"inputs": "x"}', timeout=30)
    body = http_support.assert_error(response, 415)
    assert body["detail"] == body["details"]


def test_other_content_type_is_415(server):
    response = requests.post(
        _url(server, "/api/v1/task/greeting"), data=b"inputs=x", timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    http_support.assert_error(response, 415)


@pytest.mark.parametrize(
    "raw",
    [b"{bad", b"", b"\xff\xfe\x00", b"[" * 100_000 + b"]" * 100_000, b'["inputs"]', b"null", b'"x"'],
    ids=["syntax", "empty", "bad-utf8", "deep", "array", "null", "string"],
)
def test_malformed_json_is_422_never_500(server, raw):
    response = requests.post(
        _url(server, "/api/v1/task/greeting"), data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    body = http_support.assert_error(response, 422)
    assert body["additional_info"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"inputs": "x", "model_id": "greeter", "extra": 1}, ["body", "extra"]),
        ({"inputs": "x", "model_id": "greeter", "parameters": {"nope": 1}}, ["body", "parameters", "nope"]),
        ({"inputs": "x", "model_id": 5}, ["body", "model_id"]),
        ({"inputs": "x", "model_id": "greeter", "parameters": []}, ["body", "parameters"]),
    ],
)
def test_bodies_of_the_wrong_shape_are_422(server, body, loc):
    answer = http_support.assert_error(_predict(server, body), 422)
    assert answer["additional_info"][0]["loc"] == loc


def test_values_of_the_wrong_type_are_422(server):
    answer = http_support.assert_error(_predict(server, {"inputs": 5, "model_id": "greeter"}), 422)
    assert "name" in answer["details"]


# -- training ---------------------------------------------------------------------------------


def _wait_for_training(server, training_id, states=("COMPLETED", "ERRORED", "CANCELED")):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(_url(server, "/management/trainings"), params={"training_id": training_id}, timeout=30)
        assert status.status_code == 200, status.text
        if status.json()["state"] in states:
            return status.json()
        time.sleep(0.05)
    raise AssertionError(f"training {training_id} did not finish")


def test_train_then_predict_with_the_trained_model(server):
    body = {"model_name": "trained", "parameters": {"greeting_prefix": "Yo"}}
    response = requests.post(_url(server, "/api/v1/GreetingTaskGreeterModuleTrain"), json=body, timeout=30)
    assert response.status_code == 200
    job = response.json()
    assert job["model_name"] == "trained"
    assert re.match(r"^[0-9a-f-]{36}$", job["training_id"])
    status = _wait_for_training(server, job["training_id"])
    assert status["state"] == "COMPLETED"
    assert status["submission_timestamp"].endswith("Z")
    assert _predict(server, {"inputs": "Gabe", "model_id": "trained"}).json() == {"greeting": "Yo Gabe"}


def test_train_without_parameters_uses_proto3_defaults(server):
    body = {"model_name": "defaults", "parameters": {}}
    response = requests.post(_url(server, "/api/v1/GreetingTaskGreeterModuleTrain"), json=body, timeout=30)
    assert _wait_for_training(server, response.json()["training_id"])["state"] == "COMPLETED"


def test_train_with_a_wrong_type_is_422(server):
    body = {"model_name": "x", "parameters": {"greeting_prefix": 5}}
    http_support.assert_error(requests.post(_url(server, "/api/v1/GreetingTaskGreeterModuleTrain"), json=body, timeout=30), 422)


def test_cancel_a_running_training(server):
    body = {"model_name": "cancelled", "parameters": {"greeting_prefix": "Yo", "sleep_seconds": 60}}
    training_id = requests.post(_url(server, "/api/v1/GreetingTaskGreeterModuleTrain"), json=body, timeout=30).json()["training_id"]
    _wait_for_training(server, training_id, states=("RUNNING",))
    response = requests.delete(_url(server, "/management/trainings"), params={"training_id": training_id}, timeout=30)
    assert response.status_code == 200
    assert response.json()["state"] == "CANCELED"


def test_unknown_and_missing_training_ids(server):
    response = requests.get(_url(server, "/management/trainings"), params={"training_id": "nope"}, timeout=30)
    http_support.assert_error(response, 404, "Unknown training_id: nope")
    http_support.assert_error(requests.get(_url(server, "/management/trainings"), timeout=30), 400)
    http_support.assert_error(requests.delete(_url(server, "/management/trainings"), params={"training_id": "nope"}, timeout=30), 404)


# -- model management -------------------------------------------------------------------------


def test_deploy_predict_undeploy(server, tmp_path):
    sample_lib.GreeterModule("Deployed {}").save(str(tmp_path / "m"))
    files = [
        {"filename": p.name, "data": base64.b64encode(p.read_bytes()).decode()}
        for p in (tmp_path / "m").iterdir()
    ]
    response = requests.post(_url(server, "/management/models"), json={"model_id": "deployed", "model_files": files}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "deployed"
    assert _predict(server, {"inputs": "Gabe", "model_id": "deployed"}).json() == {"greeting": "Deployed Gabe"}
    again = requests.post(_url(server, "/management/models"), json={"model_id": "deployed", "model_files": files}, timeout=30)
    http_support.assert_error(again, 409)
    response = requests.delete(_url(server, "/management/models"), params={"model_id": "deployed"}, timeout=30)
    assert response.status_code == 200
    assert response.json() == {"model_id": "deployed"}
    http_support.assert_error(_predict(server, {"inputs": "Gabe", "model_id": "deployed"}), 404)


def test_deploy_and_undeploy_errors(server):
    files = [{"filename": "config.yml", "data": ""}]
    http_support.assert_error(requests.post(_url(server, "/management/models"), json={"model_id": "../x", "model_files": files}, timeout=30), 400)
    http_support.assert_error(requests.post(_url(server, "/management/models"), json={"model_id": "x", "model_files": []}, timeout=30), 400)
    bad = [{"filename": "/etc/passwd", "data": ""}]
    http_support.assert_error(requests.post(_url(server, "/management/models"), json={"model_id": "y", "model_files": bad}, timeout=30), 400)
    http_support.assert_error(requests.delete(_url(server, "/management/models"), params={"model_id": "nope"}, timeout=30), 404)


# -- info, health, unknown routes --------------------------------------------------------------


def test_info_version(server):
    response = requests.get(_url(server, "/info/version"), timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["runtime_version"] == ""
    assert "caikit_runtime" in body["python_packages"]


def test_info_models(server):
    _predict(server, {"inputs": "x", "model_id": "greeter"})
    models = requests.get(_url(server, "/info/models"), timeout=30).json()["models"]
    greeter = next(m for m in models if m["name"] == "greeter")
    assert greeter["loaded"] is True
    assert greeter["module_id"] == "sample-greeter"
    only = requests.get(_url(server, "/info/models"), params={"model_ids": ["greeter"]}, timeout=30).json()
    assert [m["name"] for m in only["models"]] == ["greeter"]
    http_support.assert_error(requests.get(_url(server, "/info/models"), params={"model_ids": ["nope"]}, timeout=30), 404)


def test_health(server):
    response = requests.get(_url(server, "/health"), timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "OK"


def test_unknown_route_and_wrong_method(server):
    body = http_support.assert_error(requests.get(_url(server, "/nope"), timeout=30), 404)
    assert body["detail"] == "Not Found"
    response = requests.get(_url(server, "/api/v1/task/greeting"), timeout=30)
    body = http_support.assert_error(response, 405)
    assert body["detail"] == "Method Not Allowed"
    assert "POST" in response.headers["allow"]


def test_allow_lists_every_method_of_a_path(server):
    response = requests.put(_url(server, "/management/trainings"), timeout=30)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "DELETE"} <= allowed


# -- prediction jobs --------------------------------------------------------------------------


def test_prediction_job_lifecycle(server):
    response = _predict(server, {"inputs": "Job", "model_id": "greeter"}, "/api/v1/task/greeting/job")
    assert response.status_code == 200
    prediction_id = response.json()["prediction_id"]
    deadline = time.monotonic() + 30
    state = None
    while time.monotonic() < deadline:
        status = requests.get(_url(server, "/api/v1/task/greeting/job"), params={"prediction_id": prediction_id}, timeout=30)
        state = status.json()["state"]
        if state == "COMPLETED":
            break
        time.sleep(0.02)
    assert state == "COMPLETED"
    result = requests.get(_url(server, "/api/v1/task/greeting/job/results"), params={"prediction_id": prediction_id}, timeout=30)
    assert result.json() == {"greeting": "Hi Job"}
    cancel = requests.delete(_url(server, "/api/v1/task/greeting/job"), params={"prediction_id": prediction_id}, timeout=30)
    assert cancel.status_code == 200
    assert cancel.json()["state"] == "COMPLETED"
    missing = requests.get(_url(server, "/api/v1/task/greeting/job"), params={"prediction_id": "nope"}, timeout=30)
    assert missing.status_code == 404


# -- OpenAPI and docs -------------------------------------------------------------------------


def test_openapi_document(server):
    response = requests.get(_url(server, "/openapi.json"), timeout=30)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "SampleLib"
    assert document["info"]["version"]
    assert document["info"]["description"].startswith("A small library")
    paths = document["paths"]
    for path in (
        "/api/v1/task/greeting",
        "/api/v1/task/server-streaming-greeting",
        "/api/v1/task/client-streaming-greeting",
        "/api/v1/task/bidi-streaming-greeting",
        "/api/v1/task/tally",
        "/api/v1/GreetingTaskGreeterModuleTrain",
        "/management/trainings",
        "/management/models",
        "/info/version",
        "/info/models",
        "/health",
    ):
        assert path in paths, path
    assert set(paths["/management/trainings"]) == {"get", "delete"}
    schemas = document["components"]["schemas"]
    assert schemas["sample_lib.data_model.Greeting"]["properties"]["greeting"]
    refs = re.findall(r'"#/components/schemas/([^"]+)"', response.text)
    assert refs and all(ref in schemas for ref in refs)


def test_the_spec_built_without_a_server_is_the_served_one(server):
    from caikit.runtime.http_server import build_openapi_spec

    served = requests.get(_url(server, "/openapi.json"), timeout=30).json()
    assert build_openapi_spec() == served


def test_docs_page_needs_no_cdn(server):
    response = requests.get(_url(server, "/docs"), timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "/openapi.json" in page
    assert "SampleLib" in page
    assert not re.search(r"(src|href)\s*=\s*[\"'](https?:)?//", page)
    assert "https://" not in page and "http://" not in page
