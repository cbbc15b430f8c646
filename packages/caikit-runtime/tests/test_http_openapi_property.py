"""A property-based run over the server's own ``/openapi.json`` (schemathesis on hypothesis).

For every operation, schemathesis generates requests from the document (valid ones and
mutated ones), sends them to a real server and checks that no answer is a 5xx and that every
answer fits the document: its status code is documented, its Content-Type is one of those
documented, its body matches the response schema (SSE events included) and its headers
match. The served library (``http_property_lib``) has every JSON shape the document must
describe and models that never fail on their own, so a failure here is the server's.

Half of the generated task requests are pointed at a model that exists, so the run goes past
"unknown model" into the models and their outputs.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks as st_checks

pytestmark = pytest.mark.slow

#: Examples per operation and mode (raise it for a longer hunt: HTTP_PROPERTY_EXAMPLES=500)
EXAMPLES = int(os.environ.get("HTTP_PROPERTY_EXAMPLES", "20"))
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def property_server(tmp_path_factory):
    import http_property_lib

    models = {
        "echo": lambda path: http_property_lib.EchoModule("> ").save(path),
        "summary": lambda path: http_property_lib.SummaryModule().save(path),
    }
    runtime = {"http": {"max_body_bytes": 1024 * 1024}}
    with http_support.running_server(tmp_path_factory.mktemp("property"), "http_property_lib", models, runtime) as server:
        yield server


def _point_at_a_real_model(case) -> None:
    """Half of the task requests name the model that serves the route."""
    path = case.path
    if not path.startswith("/api/v1/task/"):
        return
    model_id = "summary" if "summary" in path else "echo"
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("model_id"), str) and len(body["model_id"]) % 2 == 0:
        body["model_id"] = model_id
    elif isinstance(body, list) and body and isinstance(body[0], dict) and isinstance(body[0].get("model_id"), str):
        if len(body[0]["model_id"]) % 2 == 0:
            body[0]["model_id"] = model_id


def _operations(server):
    schema = schemathesis.openapi.from_url(http_support.url(server, "/openapi.json"))
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation, server, mode) -> None:
    base_url = http_support.url(server, "")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        _point_at_a_real_model(case)
        case.call_and_validate(base_url=base_url, checks=CHECKS)

    check()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_error_and_every_answer_fits_the_document(property_server, mode):
    operations = _operations(property_server)
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        try:
            _run(operation, property_server, schemathesis.GenerationMode(mode))
        except Unsatisfiable:
            # an operation without parameters or body has no invalid requests to make
            assert mode == "negative", operation.label
        except Exception as err:
            failures.append(f"{operation.label}: {err}")
    assert not failures, "\n\n".join(failures)
