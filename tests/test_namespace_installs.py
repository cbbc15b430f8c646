"""The ``caikit`` namespace is split across distributions: prove that core, caikit.runtime and
caikit.interfaces.nlp import together whether they are installed as wheels, in editable mode,
or as a mix of the two (the layout without ``extend_path`` loses caikit.runtime in editable
installs)."""
import os
import site
import subprocess
import sys
import venv

import hatchling  # noqa: F401 - builds the wheels under test
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DISTS = {
    "core": os.path.join(ROOT, "packages", "caikit-core"),
    "runtime": os.path.join(ROOT, "packages", "caikit-runtime"),
    "nlp": os.path.join(ROOT, "packages", "caikit-interfaces-nlp"),
}
PROBE = (
    "import caikit, caikit.core, caikit.runtime, caikit.interfaces.nlp, caikit.config; "
    "import os, sys; "
    "print(os.path.basename(os.path.dirname(caikit.runtime.__file__)), "
    "os.path.basename(os.path.dirname(caikit.interfaces.nlp.__file__)), "
    "callable(caikit.configure), "
    "all(p.startswith((sys.prefix, os.environ['CAIKIT_SRC_ROOT'])) for p in caikit.__path__))"
)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheels")
    built = {}
    for key, path in DISTS.items():
        for target in ("standard", "editable"):
            dest = out / f"{key}-{target}"
            subprocess.run(
                [sys.executable, "-m", "hatchling", "build", "-t", f"wheel:{target}", "-d", str(dest)],
                cwd=path, check=True, capture_output=True,
            )
            (wheel,) = dest.iterdir()
            built[key, target] = str(wheel)
    return built


@pytest.mark.slow
@pytest.mark.parametrize(
    "layout",
    [
        {"core": "standard", "runtime": "standard", "nlp": "standard"},
        {"core": "editable", "runtime": "editable", "nlp": "editable"},
        {"core": "standard", "runtime": "editable", "nlp": "standard"},
        {"core": "editable", "runtime": "standard", "nlp": "editable"},
    ],
    ids=["wheels", "editable", "mixed-core-wheel", "mixed-core-editable"],
)
def test_split_namespace_imports(tmp_path, wheels, layout):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = str(env_dir / "bin" / "python")
    _borrow_third_party_packages(env_dir)
    to_install = [wheels[key, target] for key, target in layout.items()]
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", *to_install],
        check=True, capture_output=True,
    )
    env = {**os.environ, "CAIKIT_SRC_ROOT": os.path.join(ROOT, "packages")}
    result = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["runtime", "nlp", "True", "True"]


def _borrow_third_party_packages(env_dir) -> None:
    """Let the throwaway venv import protobuf, YAML... from this interpreter's site-packages.

    A plain path line in a ``.pth`` file adds the directory without processing the ``.pth``
    files inside it, so this environment's own editable caikit installs stay invisible: only
    the wheels installed into the throwaway venv provide ``caikit``.
    """
    (site_dir,) = (env_dir / "lib").glob("python3*/site-packages")
    (site_dir / "_borrowed_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
