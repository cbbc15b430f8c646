"""Sessions for tests, lint, type checks, benchmarks, docs and the demo.

`nox -s tests_all` is the README's test command and what CI runs.
"""
from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|venv"
# Fresh environments every run: a reused one would keep stale non-editable installs.
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests_all"]

PYTHON = "3.11"
TEST_DEPS = ["pytest>=8", "hypothesis>=6", "packaging>=23"]
# Building wheels in the namespace test
WHEEL_DEPS = ["hatchling>=1.21", "editables>=0.5", "pip>=23"]

# Each distribution: what to install (its own path plus the local paths of its caikit
# dependencies, so nothing is resolved from PyPI under our names) and what else its tests use.
DISTRIBUTIONS: dict[str, dict[str, list[str]]] = {
    "caikit-core": {"install": ["packages/caikit-core"], "test_deps": []},
    "caikit-runtime": {
        "install": ["packages/caikit-core", "packages/caikit-runtime[grpc,http]"],
        "test_deps": ["requests>=2.31", "grpcio-tools>=1.65.4", "schemathesis>=4", "cryptography>=42"],
    },
    "caikit-interfaces-nlp": {
        "install": ["packages/caikit-core", "packages/caikit-interfaces-nlp"],
        "test_deps": [],
    },
    "caikit-interfaces-vision": {
        "install": ["packages/caikit-core", "packages/caikit-interfaces-vision[pillow]"],
        "test_deps": [],
    },
    "caikit-compose": {
        "install": ["packages/caikit-core", "packages/caikit-compose"],
        "test_deps": [],
    },
    "caikit-compose-redis": {
        "install": ["packages/caikit-core", "packages/caikit-compose", "plugins/caikit-compose-redis"],
        "test_deps": [],
    },
}
TEST_DIRS = {
    "caikit-compose-redis": "plugins/caikit-compose-redis/tests",
}
ALL_EDITABLE = [
    "packages/caikit-core",
    "packages/caikit-runtime[grpc,http]",
    "packages/caikit-interfaces-nlp",
    "packages/caikit-interfaces-vision[pillow]",
    "packages/caikit-compose",
    "plugins/caikit-compose-redis",
    "packages/caikit",
    "examples/text_lib[serve]",
    "examples/compose_sentence",
]
ALL_TEST_DEPS = sorted({dep for d in DISTRIBUTIONS.values() for dep in d["test_deps"]} | set(TEST_DEPS) | set(WHEEL_DEPS))


def _editable(paths: list[str]) -> list[str]:
    args: list[str] = []
    for path in paths:
        args += ["-e", path]
    return args


@nox.session(python=PYTHON)
@nox.parametrize("dist", list(DISTRIBUTIONS), ids=list(DISTRIBUTIONS))
def tests(session: nox.Session, dist: str) -> None:
    """One distribution's tests, installed from a wheel with only its declared dependencies."""
    spec = DISTRIBUTIONS[dist]
    session.install(*spec["install"], *TEST_DEPS, *spec["test_deps"])
    test_dir = TEST_DIRS.get(dist, f"packages/{dist}/tests")
    session.run("pytest", test_dir, *session.posargs)


@nox.session(python=PYTHON)
def tests_all(session: nox.Session) -> None:
    """Every distribution installed together (editable) and every test, seed examples included."""
    session.install(*_editable(ALL_EDITABLE), *ALL_TEST_DEPS)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the whole tree."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy on the public packages."""
    session.install("mypy", "types-PyYAML", *_editable(ALL_EDITABLE))
    session.run("mypy", "packages/caikit-core/src/caikit", "packages/caikit-compose/src/caikit_compose")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks side by side with the reference implementations (see benchmarks/README.md)."""
    session.install(*_editable(ALL_EDITABLE))
    session.run("python", "benchmarks/run.py", "--ours-python", session.virtualenv.bin + "/python", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo: the tools, the data model, a module trained, served and called."""
    session.install(*_editable(ALL_EDITABLE), "requests>=2.31")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site (MkDocs, strict): regenerates the configuration reference, builds site/."""
    session.install(*_editable(ALL_EDITABLE), "mkdocs>=1.6,<2")
    session.run("python", "docs/tools/gen_config_reference.py")
    session.run("mkdocs", "build", "--strict", "--clean", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Reliability soak (not in the default run): the hostile-input tests with 20,000 payloads
    per protocol, then 30 minutes of steady load on the runtime and a compose application
    (LOCAL and REDIS) showing flat memory, descriptors and threads. Shorter:
    ``nox -s soak -- --minutes 5``; options: ``python benchmarks/soak/soak.py --help``."""
    session.install(*_editable(ALL_EDITABLE), *ALL_TEST_DEPS)
    session.run(
        "pytest",
        "packages/caikit-runtime/tests/test_reliability_hostile_input.py",
        env={"CAIKIT_RELIABILITY_EXAMPLES": "20000", "CAIKIT_RELIABILITY_SCHEMATHESIS": "25"},
    )
    session.run("python", "benchmarks/soak/soak.py", *session.posargs)
