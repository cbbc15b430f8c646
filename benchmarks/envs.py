"""Build, once and cached, the virtual environments the benchmarks compare.

Environments live under ``<repo>/.bench-envs/`` (gitignored):

``caikit-0.29.1/``
    ``pip install "caikit[runtime-grpc,runtime-http]==0.29.1" requests`` plus the
    smallest repair that lets its servers start (contract §0, defects D1 and D2):
    ``numpy<2``, and the six ``caikit/runtime/protobufs/*_pb2{,_grpc}.py`` modules the
    wheel forgot, regenerated from the ``.proto`` files it does ship.
``caikit-compose-0.1.0/``
    ``caikit-compose==0.1.0`` with the caikit it declares (``>=0.25,<0.26``).
``tools/``
    Neutral tools shared by both sides: load clients, the bare "practical limit"
    servers (grpcio, starlette on hypercorn), redis client, matplotlib for plots.
``ours/``
    ``pip install -e`` of every ``packages/*`` and ``plugins/*`` that has a
    ``pyproject.toml`` (rebuilt when one of those files changes).

Each environment holds a ``.stamp`` with the hash of its inputs; a build whose
inputs did not change is skipped. When the reference environments are ready the
file ``.bench-envs/READY`` is written. What was repaired is recorded in
``.bench-envs/caikit-0.29.1/REPAIR.json`` and copied into the report.

CLI::

    python benchmarks/envs.py build [--only NAME ...] [--force]
    python benchmarks/envs.py status
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / ".bench-envs"
# Bump when the recipes below change in a way the spec hash would not see.
RECIPE_VERSION = 3

REFERENCE = "caikit-0.29.1"
COMPOSE_REF = "caikit-compose-0.1.0"
TOOLS = "tools"
OURS = "ours"

SPECS: dict[str, dict] = {
    REFERENCE: {
        # One resolution with the numpy pin (D2) rather than install-then-downgrade:
        # the result is the same set of distributions, built faster.
        "requirements": ["caikit[runtime-grpc,runtime-http]==0.29.1", "requests", "numpy<2"],
        "repair_pb2": True,
    },
    COMPOSE_REF: {
        "requirements": ["caikit-compose==0.1.0", "caikit>=0.25,<0.26", "numpy<2"],
    },
    TOOLS: {
        "requirements": [
            "grpcio",
            "protobuf",
            "starlette",
            "hypercorn",
            "redis",
            "matplotlib",
        ],
    },
}

# The interpreter the venvs are made from: the real one, also when this script runs inside a
# venv (e.g. nox's), so the same environments are reused whoever builds them.
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))

# The modules caikit 0.29.1's wheel lacks (D1); each is generated from protos/<name-with-dashes>.proto.
PB2_MODULES = ("model_mesh", "model_runtime", "process")


def env_python(name: str) -> Path:
    """Return the interpreter path of environment ``name``."""
    return ENVS / name / "bin" / "python"


def _run(cmd: list, **kw) -> str:
    """Run ``cmd``; raise with its output when it fails; return stdout."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(
            f"command failed ({proc.returncode}): {cmd!r}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def _ours_inputs() -> list[Path]:
    """Return the pyproject.toml files of our distributions (sorted)."""
    return sorted(
        p
        for pat in ("packages/*/pyproject.toml", "plugins/*/pyproject.toml")
        for p in ROOT.glob(pat)
    )


def _spec_hash(name: str) -> str:
    """Hash everything that decides the content of environment ``name``."""
    data = {"recipe": RECIPE_VERSION, "python": sys.version, "exe": BASE_PYTHON}
    if name == OURS:
        data["projects"] = {str(p.relative_to(ROOT)): p.read_text() for p in _ours_inputs()}
        # hatchling's editable install only maps packages that exist when it runs, so a
        # package that appears later (e.g. a plugin's first module) needs a reinstall.
        data["packages"] = sorted(
            str(p.relative_to(ROOT))
            for pat in ("*/*/src/*/__init__.py", "*/*/src/*/*/")
            for p in ROOT.glob(pat)
            if "__pycache__" not in str(p)
        )
    else:
        data["spec"] = SPECS[name]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def is_current(name: str) -> bool:
    """True when environment ``name`` exists and was built from the current inputs."""
    stamp = ENVS / name / ".stamp"
    return (
        env_python(name).exists()
        and stamp.exists()
        and stamp.read_text().strip() == _spec_hash(name)
    )


def _new_venv(name: str) -> Path:
    """Create a fresh venv ``name`` (removing an old one) and return its python."""
    path = ENVS / name
    if path.exists():
        shutil.rmtree(path)
    _run([BASE_PYTHON, "-m", "venv", path])
    py = env_python(name)
    _run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    return py


def _pip_freeze(py: Path) -> dict[str, str]:
    """Return ``{distribution: version}`` installed in the venv of ``py``."""
    out = _run([py, "-m", "pip", "list", "--format=json"])
    return {d["name"].lower(): d["version"] for d in json.loads(out)}


def _repair_pb2(py: Path, versions: dict[str, str]) -> dict:
    """Regenerate the ``*_pb2{,_grpc}.py`` modules missing from caikit 0.29.1 (D1).

    grpcio-tools runs in a throwaway venv so the reference environment gains no
    package. It is pinned to the reference's protobuf and grpcio so pip picks a
    grpcio-tools whose generated code those runtimes accept (gencode <= runtime).
    """
    pkg_dir = Path(
        _run(
            [py, "-c", "import caikit.runtime, os; print(os.path.dirname(caikit.runtime.__file__))"]
        ).strip()
    )
    proto_dir = pkg_dir / "protobufs"
    missing = [m for m in PB2_MODULES if not (proto_dir / f"{m}_pb2.py").exists()]
    protoc_py = _new_venv("_protoc")
    _run(
        [
            protoc_py,
            "-m",
            "pip",
            "install",
            "-q",
            "grpcio-tools",
            f"protobuf=={versions['protobuf']}",
            f"grpcio=={versions['grpcio']}",
        ]
    )
    tools_version = _pip_freeze(protoc_py)["grpcio-tools"]
    written = []
    for mod in missing:
        # The sources ship as protos/model-mesh.proto etc.; protoc maps "-" to "_" in module names.
        source = f"{mod.replace('_', '-')}.proto"
        _run(
            [
                protoc_py,
                "-m",
                "grpc_tools.protoc",
                f"-I{proto_dir / 'protos'}",
                f"--python_out={proto_dir}",
                f"--grpc_python_out={proto_dir}",
                source,
            ]
        )
        for suffix in ("_pb2.py", "_pb2_grpc.py"):
            target = proto_dir / f"{mod}{suffix}"
            text = target.read_text()
            # protoc writes "import x_pb2 as ..." for sibling imports; the package needs relative ones.
            for other in PB2_MODULES:
                text = text.replace(f"\nimport {other}_pb2 as", f"\nfrom . import {other}_pb2 as")
            target.write_text(text)
            written.append(str(target.relative_to(pkg_dir.parent.parent)))
    shutil.rmtree(ENVS / "_protoc")
    return {
        "grpcio_tools": tools_version,
        "regenerated": written,
        "from": "caikit/runtime/protobufs/protos/*.proto",
    }


def _build_reference(name: str) -> dict:
    """Build the caikit 0.29.1 env with the D1/D2 repair; return the repair record."""
    py = _new_venv(name)
    _run([py, "-m", "pip", "install", "-q", *SPECS[name]["requirements"]])
    versions = _pip_freeze(py)
    repair = _repair_pb2(py, versions)
    _run([py, "-c", "from caikit.runtime import grpc_server, http_server"])
    record = {
        "environment": name,
        "install": 'pip install "caikit[runtime-grpc,runtime-http]==0.29.1" requests "numpy<2"',
        "repairs": [
            {
                "defect": "D2",
                "what": "numpy pinned below 2 (pydantic_wrapper calls np.issubclass_)",
                "numpy": versions.get("numpy"),
            },
            {
                "defect": "D1",
                "what": "regenerated caikit/runtime/protobufs/{model_mesh,model_runtime,process}"
                "_pb2{,_grpc}.py from the wheel's .proto files",
                **repair,
            },
        ],
        "verified": "from caikit.runtime import grpc_server, http_server",
        "versions": {k: versions[k] for k in sorted(versions) if k in KEY_DISTS},
    }
    (ENVS / name / "REPAIR.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


KEY_DISTS = {
    "caikit",
    "caikit-compose",
    "numpy",
    "protobuf",
    "grpcio",
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic",
    "hypercorn",
    "py-to-proto",
    "alchemy-config",
    "alchemy-logging",
    "matplotlib",
    "redis",
}


def _build_plain(name: str) -> dict:
    """Build an environment that is a plain list of requirements."""
    py = _new_venv(name)
    _run([py, "-m", "pip", "install", "-q", *SPECS[name]["requirements"]])
    versions = _pip_freeze(py)
    return {
        "environment": name,
        "versions": {k: versions[k] for k in sorted(versions) if k in KEY_DISTS},
    }


def _build_ours(name: str) -> dict:
    """Editable-install every distribution of the monorepo that has a pyproject, with all extras."""
    projects = [p.parent for p in _ours_inputs()]
    py = _new_venv(name)
    if projects:
        args = []
        for p in projects:
            # Every extra of every distribution (runtime's grpc/http, the umbrella's, ...).
            extras = (
                tomllib.loads((p / "pyproject.toml").read_text())
                .get("project", {})
                .get("optional-dependencies", {})
            )
            args += ["-e", f"{p}[{','.join(sorted(extras))}]" if extras else p]
        _run([py, "-m", "pip", "install", "-q", *args])
    return {"environment": name, "projects": [str(p.relative_to(ROOT)) for p in projects]}


def build(name: str, force: bool = False) -> bool:
    """Build environment ``name`` unless it is current; return True when built."""
    if not force and is_current(name):
        print(f"{name}: up to date", flush=True)
        return False
    t0 = time.monotonic()
    builder = {REFERENCE: _build_reference, OURS: _build_ours}.get(name, _build_plain)
    record = builder(name)
    (ENVS / name / "ENV.json").write_text(json.dumps(record, indent=2) + "\n")
    (ENVS / name / ".stamp").write_text(_spec_hash(name) + "\n")
    print(f"{name}: built in {time.monotonic() - t0:.0f} s", flush=True)
    return True


def ensure(names: list[str]) -> None:
    """Build the given environments if needed and write READY when the references are."""
    ENVS.mkdir(exist_ok=True)
    for name in names:
        build(name)
    if all(is_current(n) for n in (REFERENCE, COMPOSE_REF)):
        ready = {n: str(env_python(n)) for n in (REFERENCE, COMPOSE_REF, TOOLS) if is_current(n)}
        (ENVS / "READY").write_text(json.dumps(ready, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build missing or outdated environments")
    b.add_argument("--only", nargs="+", choices=[*SPECS, OURS])
    b.add_argument("--force", action="store_true")
    sub.add_parser("status", help="show which environments are current")
    args = parser.parse_args(argv)
    if args.cmd == "status":
        for name in [*SPECS, OURS]:
            print(f"{name:24} {'current' if is_current(name) else 'missing/outdated'}")
        return 0
    names = args.only or [REFERENCE, COMPOSE_REF, TOOLS, OURS]
    ENVS.mkdir(exist_ok=True)
    status = 0
    for name in names:
        try:
            build(name, force=args.force)
        except RuntimeError as exc:  # one broken env (typically ours) must not block READY
            print(f"{name}: FAILED\n{exc}", file=sys.stderr)
            status = 1
        ensure([])  # READY as soon as the reference environments exist
    return status


if __name__ == "__main__":
    sys.exit(main())
