"""multipart/form-data requests and file-download responses against a real HTTP server
(http_form_lib on a free loopback port)."""
from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest
import requests
from urllib3.filepost import encode_multipart_formdata

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_form_lib
import http_support

pytestmark = pytest.mark.slow

BODY_LIMIT = 64 * 1024
PART_LIMIT = 5
FIELD_LIMIT = 1024
FILE_LIMIT = 8 * 1024


def _models():
    return {
        "echo": lambda path: http_form_lib.EchoModule("> ").save(path),
        "pair": lambda path: http_form_lib.PairModule().save(path),
        "upload": lambda path: http_form_lib.UploadModule().save(path),
        "report": lambda path: http_form_lib.ReportModule("r:").save(path),
        "blob": lambda path: http_form_lib.BlobModule().save(path),
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with http_support.running_server(tmp_path_factory.mktemp("forms"), "http_form_lib", _models()) as running:
        yield running


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    runtime = {
        "http": {
            "max_body_bytes": BODY_LIMIT,
            "max_multipart_parts": PART_LIMIT,
            "max_multipart_field_bytes": FIELD_LIMIT,
            "max_multipart_file_bytes": FILE_LIMIT,
        }
    }
    with http_support.running_server(tmp_path_factory.mktemp("form-limits"), "http_form_lib", _models(), runtime) as running:
        yield running


def _url(server, path):
    return http_support.url(server, path)


def _form(server, path, fields, **kwargs):
    """POST ``fields`` ([(key, value or (filename, data[, type]))]) as multipart/form-data."""
    files = [(key, value if isinstance(value, tuple) else (None, value)) for key, value in fields]
    return requests.post(_url(server, path), files=files, timeout=30, **kwargs)


def _raw(server, path, body: bytes, content_type: str):
    return requests.post(_url(server, path), data=body, headers={"Content-Type": content_type}, timeout=30)


ECHO = "/api/v1/task/echo"


# -- predict ----------------------------------------------------------------------------------


def test_text_fields_are_converted_to_the_field_types(server):
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "hi"), ("parameters.repeat", "2"), ("parameters.flag", "True"),
        ("parameters.ratio", "2.5e-1"),
    ])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    echo = response.json()
    assert (echo["text"], echo["repeat"], echo["flag"], echo["ratio"]) == ("> hihi", 2, True, 0.25)


def test_the_form_gives_the_same_answer_as_json(server):
    json_answer = requests.post(_url(server, ECHO), json={
        "model_id": "echo", "inputs": "same", "parameters": {"repeat": 3, "names": ["a", "b"], "counts": {"k": 1}},
    }, timeout=30)
    form_answer = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "same"), ("parameters.repeat", "3"), ("parameters.names", "a"),
        ("parameters.names", "b"), ("parameters.counts.k", "1"),
    ])
    assert form_answer.status_code == 200
    assert form_answer.content == json_answer.content


def test_dotted_keys_address_nested_fields(server):
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "n"),
        ("parameters.options.label", "L"), ("parameters.options.weight", "1.5"),
        ("parameters.options.tags", "t1"), ("parameters.options.tags", "t2"),
        ("parameters.counts.a.b", "7"),  # map keys may hold dots
    ])
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["options"] == {"label": "L", "weight": 1.5, "tags": ["t1", "t2"]}
    assert echo["counts"] == {"a.b": 7}


def test_objects_and_lists_of_objects_as_json_text(server):
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "n"),
        ("parameters.options", json.dumps({"label": "J", "weight": 2.0, "tags": ["x"]})),
        ("parameters.examples", json.dumps({"label": "one", "weight": 1, "tags": []})),
        ("parameters.examples", json.dumps([{"label": "two"}, {"label": "three"}])),
    ])
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["options"] == {"label": "J", "weight": 2.0, "tags": ["x"]}
    assert [e["label"] for e in echo["examples"]] == ["one", "two", "three"]


def test_empty_parts_are_not_given_except_for_text(server):
    """What an HTML form sends for inputs left alone: empty strings, and a file part with an
    empty name for a file input without a file."""
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", ""), ("parameters.repeat", ""), ("parameters.flag", ""),
        ("parameters.options", ""), ("parameters.counts", ""), ("parameters.names", ""),
        ("parameters.document", ("", b"", "application/octet-stream")), ("parameters.blob", ""),
    ])
    assert response.status_code == 200, response.text
    echo = response.json()
    assert (echo["text"], echo["repeat"], echo["flag"], echo["options"], echo["document"]) == ("> ", 1, False, None, None)
    assert (echo["counts"], echo["names"], echo["blob"]) == ({}, [""], "")


def test_several_inputs_by_dotted_keys(server):
    response = _form(server, "/api/v1/task/pair", [
        ("model_id", "pair"), ("inputs.left", "L"), ("inputs.right", "R"), ("parameters.repeat", "4"),
    ])
    assert response.status_code == 200, response.text
    assert (response.json()["text"], response.json()["repeat"]) == ("L|R", 4)
    # ``inputs.<name>`` also names the only input of a one-input task
    assert _form(server, ECHO, [("model_id", "echo"), ("inputs.text", "x")]).json()["text"] == "> x"


def test_a_file_part_fills_a_bytes_field_with_its_raw_bytes(server):
    data = bytes(range(256)) + b"\r\n--boundary-like\r\n"
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "f"), ("parameters.blob", ("blob.bin", data, "application/octet-stream")),
    ])
    assert response.status_code == 200, response.text
    import base64

    assert base64.b64decode(response.json()["blob"]) == data


def test_a_file_part_becomes_a_file_object(server):
    response = _form(server, ECHO, [
        ("model_id", "echo"), ("inputs", "f"), ("parameters.document", ("notes.txt", b"hello", "text/plain")),
    ])
    assert response.status_code == 200, response.text
    assert response.json()["document"] == {"data": "aGVsbG8=", "filename": "notes.txt", "type": "text/plain"}
    # a file without a Content-Type is application/octet-stream (RFC 7578)
    files = [("model_id", (None, "echo")), ("inputs", (None, "f")), ("parameters.document", ("raw", b"\x00"))]
    response = requests.post(_url(server, ECHO), files=files, timeout=30)
    assert response.json()["document"]["type"] == "application/octet-stream"


def test_a_file_as_the_required_input(server):
    response = _form(server, "/api/v1/task/upload", [
        ("model_id", "upload"), ("inputs", ("report.pdf", b"%PDF-1.4", "application/pdf")), ("parameters.note", "n"),
    ])
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["repeat"] == 8
    assert echo["document"]["filename"] == "report.pdf"
    assert echo["document"]["type"] == "application/pdf"


def test_any_content_type_containing_multipart_form_data_is_a_form(server):
    body, content_type = encode_multipart_formdata([("model_id", "echo"), ("inputs", "ct")])
    response = _raw(server, ECHO, body, content_type.replace("multipart/form-data", "Multipart/Form-Data") + "; charset=utf-8")
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "> ct"


def test_text_in_another_charset(server):
    body, content_type = encode_multipart_formdata([("model_id", "echo")])
    extra = (
        b"Content-Disposition: form-data; name=\"inputs\"\r\nContent-Type: text/plain; charset=latin-1\r\n\r\n\xfc\r\n"
    )
    boundary = content_type.split("boundary=")[1].encode()
    body = body.replace(b"--" + boundary + b"--", b"--" + boundary + b"\r\n" + extra + b"--" + boundary + b"--")
    response = _raw(server, ECHO, body, content_type)
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "> \u00fc"


def test_server_streaming_takes_a_form(server):
    status, headers, body = http_support.post(
        server.port, "/api/v1/task/server-streaming-echo",
        *_encoded([("model_id", "echo"), ("inputs", "s"), ("parameters.repeat", "2")]),
    )
    assert status == 200
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert [data["text"] for _, data in http_support.sse_events(body)] == ["> s#0", "> s#1"]


def _encoded(fields):
    body, content_type = encode_multipart_formdata(fields)
    return body, {"Content-Type": content_type}


def test_a_prediction_job_takes_a_form(server):
    response = _form(server, "/api/v1/task/pair/job", [("model_id", "pair"), ("inputs.left", "a"), ("inputs.right", "b")])
    assert response.status_code == 200, response.text
    prediction_id = response.json()["prediction_id"]
    result = _job_result(server, "/api/v1/task/pair/job", prediction_id)
    assert result.json()["text"] == "a|b"


def _job_result(server, base, prediction_id):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = requests.get(_url(server, base), params={"prediction_id": prediction_id}, timeout=30)
        if status.json()["state"] == "COMPLETED":
            break
        time.sleep(0.02)
    return requests.get(_url(server, f"{base}/results"), params={"prediction_id": prediction_id}, timeout=30)


# -- train and deploy -------------------------------------------------------------------------


def _wait_for_training(server, training_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(_url(server, "/management/trainings"), params={"training_id": training_id}, timeout=30)
        if status.json()["state"] in ("COMPLETED", "ERRORED", "CANCELED"):
            return status.json()
        time.sleep(0.05)
    raise AssertionError(f"training {training_id} did not finish")


@pytest.mark.parametrize(
    "examples",
    [
        ("examples.jsonl", b'{"label": "a"}\n\n{"label": "b"}\n', "application/jsonl"),
        ("examples.json", b'[{"label": "a"}, {"label": "b"}]', "application/json"),
        (None, '{"jsondata": {"data": [{"label": "a"}, {"label": "b"}]}}'),
    ],
    ids=["json-lines-file", "json-array-file", "source-object-text"],
)
def test_train_with_a_form_then_predict(server, examples):
    name = f"trained-{examples[0] or 'text'}".replace(".", "-")
    response = _form(server, "/api/v1/EchoTaskEchoModuleTrain", [
        ("model_name", name), ("parameters.prefix", "P"), ("parameters.rounds", "3"),
        ("parameters.examples", examples if examples[0] else examples[1]),
    ])
    assert response.status_code == 200, response.text
    assert response.json()["model_name"] == name
    status = _wait_for_training(server, response.json()["training_id"])
    assert status["state"] == "COMPLETED", status
    answer = requests.post(_url(server, ECHO), json={"model_id": name, "inputs": "x"}, timeout=30)
    assert answer.json()["text"] == "P[a,b]3:x"


def test_train_form_errors(server):
    train = "/api/v1/EchoTaskEchoModuleTrain"
    http_support.assert_error_contains(_form(server, train, [("model_name", "e"), ("parameters.rounds", "many")]), 422, "parameters.rounds")
    http_support.assert_error_contains(_form(server, train, [("model_name", "e"), ("parameters.nope", "1")]), 422, "parameters.nope")
    bad_lines = ("bad.jsonl", b'{"label": "a"}\nnot json\n', "application/jsonl")
    http_support.assert_error_contains(_form(server, train, [("model_name", "e"), ("parameters.examples", bad_lines)]), 422, "line 2")


def test_deploy_model_files_as_file_parts(server, tmp_path):
    http_form_lib.PairModule().save(str(tmp_path / "m"))
    files = [("model_files", (p.name, p.read_bytes(), "application/x-yaml")) for p in (tmp_path / "m").iterdir()]
    response = _form(server, "/management/models", [("model_id", "deployed-by-form"), *files])
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "deployed-by-form"
    answer = _form(server, "/api/v1/task/pair", [("model_id", "deployed-by-form"), ("inputs.left", "1"), ("inputs.right", "2")])
    assert answer.json()["text"] == "1|2"
    bad = _form(server, "/management/models", [("model_id", "bad"), ("model_files", ("../escape.yml", b"x"))])
    http_support.assert_error_contains(bad, 400)


# -- malformed forms and wrong values ---------------------------------------------------------


@pytest.mark.parametrize(
    "fields, status, details",
    [
        ([("inputs", "x")], 400, "Please provide model_id in payload"),
        ([("model_id", "echo"), ("inputs", "x"), ("colour", "red")], 422, "colour"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.nope", "1")], 422, "parameters.nope"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.options.nope", "1")], 422, "options.nope"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.repeat", "1.5")], 422, "expected an integer"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.flag", "maybe")], 422, "expected a boolean"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.ratio", "nan")], 422, "expected a number"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.repeat", "1"), ("parameters.repeat", "2")], 422, "more than once"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.options", "{not json")], 422, "expected JSON"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.options", "[1]")], 422, "expected a JSON object"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.examples", "[1]")], 422, None),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.repeat.deeper", "1")], 422, "no fields"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters..repeat", "1")], 422, "empty segment"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.repeat", "99999999999999999999")], 422, None),
        ([("model_id", "echo"), ("inputs", ("bad.txt", b"\xff\xfe", "text/plain"))], 422, "not valid utf-8"),
        ([("model_id", "nope"), ("inputs", "x")], 404, None),
    ],
)
def test_wrong_forms_are_4xx_naming_the_key(server, fields, status, details):
    http_support.assert_error_contains(_form(server, ECHO, fields), status, details)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "multipart/form-data; boundary=b"),
        (b"garbage", "multipart/form-data; boundary=b"),
        (b"--b\r\nContent-Disposition: form-data; name=model_id\r\n\r\necho", "multipart/form-data; boundary=b"),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\necho\r\n--b--", "multipart/form-data; boundary=b"),
        (b"--b\r\n\r\necho\r\n--b--", "multipart/form-data; boundary=b"),
        (b"--b\r\nContent-Disposition: form-data; name=model_id\r\n\r\necho\r\n--b--", "multipart/form-data"),
        (b"\x00" * 100, "multipart/form-data; boundary=\x01"),
    ],
    ids=["empty", "garbage", "no-closing-delimiter", "part-without-name", "part-without-headers", "no-boundary", "binary"],
)
def test_malformed_multipart_is_422_never_500(server, body, content_type):
    for path in (ECHO, "/api/v1/task/server-streaming-echo", "/api/v1/EchoTaskEchoModuleTrain", "/management/models"):
        response = _raw(server, path, body, content_type)
        http_support.assert_error_contains(response, 422)
        assert response.json()["additional_info"][0]["type"] == "multipart_invalid"


def test_other_content_types_are_still_415(server):
    response = _raw(server, ECHO, b"a=b", "application/x-www-form-urlencoded")
    assert http_support.assert_error_contains(response, 415)["details"].endswith("Use application/json or multipart/form-data.")
    http_support.assert_error_contains(requests.post(_url(server, ECHO), data=b"x", timeout=30), 415)  # no Content-Type


# -- limits -----------------------------------------------------------------------------------


def test_forms_within_the_limits_are_served(limited):
    response = _form(limited, ECHO, [
        ("model_id", "echo"), ("inputs", "x" * FIELD_LIMIT), ("parameters.blob", ("b", b"\x00" * FILE_LIMIT)),
    ])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "fields, details",
    [
        ([("model_id", "echo")] + [("parameters.names", "n")] * PART_LIMIT, "max_multipart_parts"),
        ([("model_id", "echo"), ("inputs", "x" * (FIELD_LIMIT + 1))], "max_multipart_field_bytes"),
        ([("model_id", "echo"), ("parameters.blob", ("b", b"\x00" * (FILE_LIMIT + 1)))], "max_multipart_file_bytes"),
        ([("model_id", "echo"), ("inputs", "x"), ("parameters.blob", ("b", b"\x00" * (2 * BODY_LIMIT)))], "max_body_bytes"),
    ],
    ids=["parts", "field", "file", "body"],
)
def test_forms_above_a_limit_are_413(limited, fields, details):
    response = _form(limited, ECHO, fields)
    body = http_support.assert_error_contains(response, 413, details)
    assert response.headers.get("connection") == "close"
    assert body["code"] == 413


def test_a_chunked_form_is_refused_once_it_passes_a_limit(limited):
    """Without a Content-Length the parts are counted while they arrive: the 413 comes
    although the body never ends."""
    head = (
        b"--b\r\nContent-Disposition: form-data; name=\"model_id\"\r\n\r\necho\r\n"
        b"--b\r\nContent-Disposition: form-data; name=\"parameters.blob\"; filename=\"big\"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", limited.port), timeout=20) as sock:
        sock.sendall(
            f"POST {ECHO} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        chunk = b"\x00" * 4096
        for _ in range(FILE_LIMIT // len(chunk) + 1):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        data = b""
        while b"\r\n\r\n" not in data:
            received = sock.recv(65536)
            assert received, data
            data += received
        status, headers, _ = http_support.split_response(data)
    assert status == 413
    assert headers["connection"] == "close"
    # and the server goes on serving
    assert _form(limited, ECHO, [("model_id", "echo"), ("inputs", "after")]).json()["text"] == "> after"


# -- file downloads ---------------------------------------------------------------------------


def test_an_output_with_file_support_is_a_download(server):
    response = requests.post(_url(server, "/api/v1/task/report"), json={"model_id": "report", "inputs": "Q3"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv"
    assert response.headers["content-disposition"] == 'attachment; filename="Q3.csv"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == b"Q3\nr:row 0\nr:row 1\n"
    assert int(response.headers["content-length"]) == len(response.content)


def test_a_download_without_a_file_description_is_octet_stream(server):
    response = _form(server, "/api/v1/task/blob", [("model_id", "blob"), ("inputs", "bytes \u00fc")])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == 'attachment; filename="blob"'
    assert response.content == "bytes \u00fc".encode()


def test_download_file_names_are_safe_and_keep_unicode(server):
    response = requests.post(_url(server, "/api/v1/task/report"), json={"model_id": "report", "inputs": "\u00e9t\u00e9"}, timeout=30)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_t_.csv\"; filename*=UTF-8''%C3%A9t%C3%A9.csv"
    )
    response = requests.post(_url(server, "/api/v1/task/report"), json={"model_id": "report", "inputs": '../a"b'}, timeout=30)
    assert response.headers["content-disposition"] == 'attachment; filename="a_b.csv"'


def test_errors_of_download_routes_are_json(server):
    http_support.assert_error_contains(requests.post(_url(server, "/api/v1/task/report"), json={"model_id": "nope", "inputs": "x"}, timeout=30), 404)
    http_support.assert_error_contains(requests.post(_url(server, "/api/v1/task/report"), json={"model_id": "report", "inputs": "x", "parameters": {"rows": "x"}}, timeout=30), 422)


def test_a_prediction_job_result_with_file_support_is_a_download(server):
    response = requests.post(_url(server, "/api/v1/task/report/job"), json={"model_id": "report", "inputs": "J"}, timeout=30)
    result = _job_result(server, "/api/v1/task/report/job", response.json()["prediction_id"])
    assert result.status_code == 200
    assert result.headers["content-disposition"] == 'attachment; filename="J.csv"'
    assert result.content == b"J\nr:row 0\nr:row 1\n"


# -- the OpenAPI document ---------------------------------------------------------------------


def test_openapi_documents_forms_and_downloads(server):
    document = requests.get(_url(server, "/openapi.json"), timeout=30).json()
    echo = document["paths"][ECHO]["post"]
    form = echo["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["inputs", "model_id"]
    assert form["properties"]["parameters.repeat"]["type"] == "integer"
    assert form["properties"]["parameters.blob"] == {"type": "string", "contentMediaType": "application/octet-stream"}
    assert form["properties"]["parameters.document"]["contentMediaType"] == "application/octet-stream"
    assert form["properties"]["parameters.options"]["contentMediaType"] == "application/json"
    assert form["properties"]["parameters.names"] == {"type": "array", "items": {"type": "string"}}
    assert "application/json" in echo["requestBody"]["content"]
    pair = document["paths"]["/api/v1/task/pair"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert pair["required"] == ["inputs.left", "inputs.right", "model_id"]
    train = document["paths"]["/api/v1/EchoTaskEchoModuleTrain"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(train["properties"]) == {"model_name", "parameters.prefix", "parameters.examples", "parameters.rounds"}
    assert "multipart/form-data" in document["paths"]["/management/models"]["post"]["requestBody"]["content"]
    report = document["paths"]["/api/v1/task/report"]["post"]["responses"]["200"]
    assert set(report["content"]) == {"application/octet-stream", "*/*"}
    assert "Content-Disposition" in report["headers"]
    assert "application/json" in echo["responses"]["200"]["content"]
