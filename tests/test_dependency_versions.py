"""Minimum versions of the dependencies that face the network, for known vulnerabilities.

Two checks per dependency: the version installed here is at least the floor, and every
``pyproject.toml`` of the workspace that requires the package declares a minimum that excludes
everything below the floor (so no installation resolved from our metadata can pick a
vulnerable release). python-multipart is not used by the runtime (it does not parse form or
multipart bodies); its floor is checked only where it is installed or declared.

Floors (issue 11): grpcio 1.65.4, starlette 1.3.1, python-multipart 0.0.27, redis 8.0.1,
hypercorn 0.16, h11 0.16.
"""
from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]

FLOORS: Dict[str, str] = {
    "grpcio": "1.65.4",
    "grpcio-health-checking": "1.65.4",
    "grpcio-reflection": "1.65.4",
    "starlette": "1.3.1",
    "python-multipart": "0.0.27",
    "redis": "8.0.1",
    "hypercorn": "0.16",
    "h11": "0.16",
}
OPTIONAL = {"python-multipart"}


def _below(floor: str) -> List[Version]:
    """Versions just below ``floor`` (and a much older one) that a minimum must exclude."""
    parts = [int(p) for p in floor.split(".")]
    lower = []
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] > 0:
            older = parts[:index] + [parts[index] - 1] + [999] * (len(parts) - index - 1)
            lower.append(Version(".".join(map(str, older))))
            break
    lower.append(Version("0.0.1"))
    return lower


def _pyprojects() -> Iterator[Path]:
    for base in ("packages", "plugins", "examples"):
        yield from sorted((ROOT / base).glob("**/pyproject.toml"))


def _requirements(path: Path) -> Iterator[Tuple[str, Requirement]]:
    project = tomllib.loads(path.read_text()).get("project", {})
    for text in project.get("dependencies", []):
        yield "dependencies", Requirement(text)
    for extra, texts in (project.get("optional-dependencies") or {}).items():
        for text in texts:
            yield f"extra {extra!r}", Requirement(text)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_installed_version_is_at_least_the_floor(name):
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        if name in OPTIONAL:
            return  # not used, not installed: nothing can be vulnerable
        pytest.fail(f"{name} is not installed; the combined test environment must have it")
    assert Version(installed) >= Version(FLOORS[name]), f"{name} {installed} < {FLOORS[name]}"


def test_declared_minimums_exclude_vulnerable_releases():
    seen = set()
    problems = []
    for path in _pyprojects():
        for where, requirement in _requirements(path):
            name = requirement.name.lower().replace("_", "-")
            floor = FLOORS.get(name)
            if floor is None:
                continue
            seen.add(name)
            allowed = [str(v) for v in _below(floor) if requirement.specifier.contains(v, prereleases=True)]
            if allowed:
                problems.append(f"{path.relative_to(ROOT)} ({where}): {requirement} allows {allowed} (floor {floor})")
    assert not problems, "\n".join(problems)
    # the network-facing dependencies are declared somewhere (a rename would silently skip them)
    assert {"grpcio", "starlette", "redis", "hypercorn", "h11"} <= seen, seen
