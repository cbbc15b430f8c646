"""Model ids and model paths never lead out of ``runtime.local_models_dir`` (real runtime, both
protocols).

Next to the models directory lie a sentinel file and a perfectly loadable model (``evil``), and
inside it a symlink (``escape``) points at that model. Every hostile id is sent to every
operation that takes one: load (ModelMesh ``loadModel`` over gRPC, and the lazy load that a
predict triggers over both protocols), deploy, undeploy and predict, over gRPC and HTTP. Each is
refused with a client error (INVALID_ARGUMENT / PERMISSION_DENIED, 400 / 403), and afterwards the
sentinel and the outside model are untouched, nothing was created outside the models directory
or inside it, and the outside model was never loaded.
"""
from __future__ import annotations

import base64
import os
import sys
import urllib.parse
from pathlib import Path

import grpc
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from reliability_support import Runtime, reflected_rpcs  # noqa: E402

BAD_IDS = ["../../etc", "..", "/abs", "%2e%2e%2f", "a\x00b", "x" * 300, "escape", "../outside/evil", "."]
REFUSED_HTTP = {400, 403}
REFUSED_GRPC = {"INVALID_ARGUMENT", "PERMISSION_DENIED"}

pytestmark = pytest.mark.slow


def _tree(root: Path, skip: tuple = ()) -> dict:
    """``{relative path: (size, mtime_ns, inode)}`` of everything under ``root`` (links not followed)."""
    found = {}
    for directory, dirs, files in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(directory, root)
        if rel_dir == ".":
            dirs[:] = [d for d in dirs if d not in skip]
        for name in dirs + files:
            path = os.path.join(directory, name)
            stat = os.lstat(path)
            found[os.path.normpath(os.path.join(rel_dir, name))] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from reliability_lib import EchoModule

    workdir = tmp_path_factory.mktemp("paths")
    outside = workdir / "outside"
    outside.mkdir()
    (outside / "sentinel.txt").write_text("do not touch")
    EchoModule("EVIL:").save(str(outside / "evil"))
    models = workdir / "models"
    models.mkdir()
    EchoModule("e:").save(str(models / "echo"))
    os.symlink(outside / "evil", models / "escape")
    os.symlink(outside / "sentinel.txt", models / "escape-file")
    config_yml = (outside / "evil" / "config.yml").read_bytes()
    runtime = Runtime(
        workdir,
        config={"runtime": {"lazy_load_local_models": True, "lazy_load_poll_period_seconds": 3600}},
    )
    outside_before = _tree(outside)
    models_before = _tree(models)
    workdir_before = set(_tree(workdir, skip=("models", "markers", "trained")))
    yield runtime, workdir, config_yml
    runtime.stop()
    assert _tree(outside) == outside_before, "something outside the models directory changed"
    assert (outside / "sentinel.txt").read_text() == "do not touch"
    assert _tree(models) == models_before, "the models directory changed"
    created = set(_tree(workdir, skip=("models", "markers", "trained"))) - workdir_before
    assert not {p for p in created if not p.startswith("runtime-")}, created


def _rpc(runtime: Runtime, name: str):
    return next(r for r in reflected_rpcs(runtime.channel) if r.name == name)


def _grpc_code(call, *args, **kwargs) -> str:
    try:
        call(*args, timeout=30, **kwargs)
    except grpc.RpcError as err:
        return err.code().name
    return "OK"


@pytest.mark.parametrize("model_id", BAD_IDS, ids=repr)
def test_refused_over_http(world, model_id):
    runtime, _, config_yml = world
    answer = runtime.post_json("/api/v1/task/echo", {"model_id": model_id, "inputs": "x"})
    assert answer.status in REFUSED_HTTP, ("predict", answer.status, answer.body)
    answer = runtime.post_json("/api/v1/task/server-streaming-echo", {"model_id": model_id, "inputs": "x"})
    assert answer.status in REFUSED_HTTP or b'"code": 400' in answer.body, ("stream", answer.status, answer.body)
    deploy = {"model_id": model_id, "model_files": [{"filename": "config.yml", "data": base64.b64encode(config_yml).decode()}]}
    answer = runtime.post_json("/management/models", deploy)
    assert answer.status in REFUSED_HTTP, ("deploy", answer.status, answer.body)
    answer = runtime.http("DELETE", "/management/models?" + urllib.parse.urlencode({"model_id": model_id}))
    assert answer.status in REFUSED_HTTP, ("undeploy", answer.status, answer.body)
    if model_id != "escape":  # a fine name under runtime.training.output_dir/<training id>/
        answer = runtime.post_json("/api/v1/EchoTaskEchoModuleTrain", {"model_name": model_id, "parameters": {"prefix": "p"}})
        assert answer.status in REFUSED_HTTP, ("train", answer.status, answer.body)


@pytest.mark.parametrize("model_id", BAD_IDS, ids=repr)
def test_refused_over_grpc(world, model_id):
    runtime, _, config_yml = world
    channel = runtime.channel
    predict = _rpc(runtime, "EchoTaskPredict")
    code = _grpc_code(channel.unary_unary(predict.path), predict.request_class(text="x").SerializeToString(),
                      metadata=[("mm-model-id", model_id)])
    if "\x00" in model_id:
        assert code == "INTERNAL"  # refused by the client library: metadata cannot carry NUL
    else:
        assert code in REFUSED_GRPC, ("predict", code)

    deploy = _rpc(runtime, "DeployModel")
    request = deploy.request_class(model_id=model_id)
    file = request.model_files.add()
    file.filename = "config.yml"
    file.data = config_yml
    assert _grpc_code(channel.unary_unary(deploy.path), request.SerializeToString()) in REFUSED_GRPC

    undeploy = _rpc(runtime, "UndeployModel")
    code = _grpc_code(channel.unary_unary(undeploy.path), undeploy.request_class(model_id=model_id).SerializeToString())
    assert code in REFUSED_GRPC, ("undeploy", code)

    load = _rpc(runtime, "loadModel")
    # ModelMesh's modelId is a name, not a path: "escape" may name a model loaded from "echo"
    for model_path in (model_id, "echo") if model_id != "escape" else (model_id,):
        request = load.request_class(modelId=model_id, modelPath=model_path, modelType="standalone-model")
        code = _grpc_code(channel.unary_unary(load.path), request.SerializeToString())
        assert code in REFUSED_GRPC, ("loadModel", model_path, code)


@pytest.mark.parametrize(
    "model_path",
    ["../../etc", "/etc", "..", ".", "escape", "escape-file", "../outside/evil", "OUTSIDE", "a\x00b", ""],
    ids=repr,
)
def test_modelmesh_paths_outside_the_models_directory_are_refused(world, model_path):
    runtime, workdir, _ = world
    if model_path == "OUTSIDE":
        model_path = str(workdir / "outside" / "evil")
    load = _rpc(runtime, "loadModel")
    request = load.request_class(modelId="innocent", modelPath=model_path, modelType="standalone-model")
    assert _grpc_code(runtime.channel.unary_unary(load.path), request.SerializeToString()) in REFUSED_GRPC
    size = _rpc(runtime, "predictModelSize")
    request = size.request_class(modelId="innocent", modelPath=model_path)
    assert _grpc_code(runtime.channel.unary_unary(size.path), request.SerializeToString()) in REFUSED_GRPC


def test_deployed_file_names_stay_inside_the_model_directory(world):
    runtime, _, config_yml = world
    for name in ["../../outside/planted", "/abs/planted", "..", "a/../../planted", "\x00", " "]:
        deploy = {"model_id": "fresh", "model_files": [{"filename": name, "data": base64.b64encode(config_yml).decode()}]}
        answer = runtime.post_json("/management/models", deploy)
        assert answer.status in REFUSED_HTTP, (name, answer.status, answer.body)


def test_nothing_but_the_real_model_was_loaded(world):
    runtime, _, _ = world
    names = sorted(m["name"] for m in runtime.http("GET", "/info/models").json()["models"])
    assert names == ["echo"], names
    answer = runtime.post_json("/api/v1/task/echo", {"model_id": "echo", "inputs": "x"})
    assert answer.json()["text"] == "e:x"
    assert "EVIL" not in runtime.log()


def test_training_into_the_models_directory_cannot_follow_a_symlink_out(tmp_path):
    """The seed examples train straight into the models directory (``output_dir`` ==
    ``local_models_dir``, ``save_with_id: false``): a model name that is a symlink leaving it
    is refused, over both protocols, and nothing outside is written."""
    from reliability_lib import EchoModule

    outside = tmp_path / "outside"
    EchoModule("EVIL:").save(str(outside / "evil"))
    models = tmp_path / "models"
    models.mkdir()
    os.symlink(outside / "evil", models / "escape")
    before = _tree(outside)
    settings = {"runtime": {"training": {"output_dir": str(models), "save_with_id": False}}}
    with Runtime(tmp_path, config=settings) as runtime:
        answer = runtime.post_json("/api/v1/EchoTaskEchoModuleTrain", {"model_name": "escape", "parameters": {"prefix": "p"}})
        assert answer.status in REFUSED_HTTP, answer.body
        train = _rpc(runtime, "EchoTaskEchoModuleTrain")
        request = train.request_class(model_name="escape")
        request.parameters.prefix = "p"
        assert _grpc_code(runtime.channel.unary_unary(train.path), request.SerializeToString()) in REFUSED_GRPC
        # a plain name still trains into the models directory
        answer = runtime.post_json("/api/v1/EchoTaskEchoModuleTrain", {"model_name": "plain", "parameters": {"prefix": "p"}})
        assert answer.status == 200, answer.body
        from reliability_support import wait_until

        wait_until(lambda: (models / "plain" / "config.yml").exists(), what="the plain model to be saved")
    assert _tree(outside) == before
