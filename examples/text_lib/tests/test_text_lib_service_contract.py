"""The services our runtime generates for text_lib carry exactly the RPCs and messages that
caikit 0.29.1 generates for it (request and response messages of every task included).

Both sides go through the same pipeline: ``python -m caikit.runtime.dump_services`` writes
``.proto`` files, protoc compiles them, and the summary compares RPC signatures and every field
(name, number, label, type, oneof) of every message the RPCs reach.
"""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
PACKAGE = "caikit.runtime.TextLib"

_spec = importlib.util.spec_from_file_location("text_lib_proto_contract", HERE / "proto_contract.py")
proto_contract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proto_contract)

REFERENCE = proto_contract.summarise(
    proto_contract.read_descriptor_set(str(HERE / "fixtures" / "text_lib.caikit-0.29.1.pb")),
    PACKAGE,
)

# message -> why it differs today (strict: the marker must go when the difference is fixed)
KNOWN_GAPS: dict = {}


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    import grpc_tools  # noqa: F401 - compiles the dumped .proto files
    out = tmp_path_factory.mktemp("dump")
    env = {**os.environ, "RUNTIME_LIBRARY": "text_lib", "LOG_LEVEL": "error"}
    subprocess.run(
        [sys.executable, "-m", "caikit.runtime.dump_services", str(out)],
        env=env,
        check=True,
        capture_output=True,
    )
    return proto_contract.summarise(proto_contract.compile_dump(str(out)), PACKAGE)


def test_same_services_and_rpcs(ours):
    assert ours["services"] == REFERENCE["services"]


def test_same_messages_reached(ours):
    assert sorted(ours["messages"]) == sorted(REFERENCE["messages"])


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name])]
            if name in KNOWN_GAPS
            else [],
        )
        for name in REFERENCE["messages"]
    ],
)
def test_same_fields(ours, message):
    assert ours["messages"].get(message) == REFERENCE["messages"][message]
