"""``hatch shell`` must give an environment with every distribution installed editable.

Hatch (>= 1.16) installs the ``workspace.members`` of ``hatch.toml`` in editable mode; its
post-install commands would not run, since the repository root is not a distribution
(``skip-install``). Running hatch here would install everything again from the network, so
this checks the declaration instead: every distribution of ``packages/`` and ``plugins/`` is a
member, with each of its extras that pulls in third-party packages (so the whole test suite
can run in the shell), and nothing else is.
"""
from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _members() -> dict:
    env = tomllib.loads((ROOT / "hatch.toml").read_text())["envs"]["default"]
    assert env.get("skip-install") is True and "post-install-commands" not in env
    members = {}
    for member in env["workspace"]["members"]:
        path, features = (member, []) if isinstance(member, str) else (member["path"], member.get("features", []))
        members[path] = sorted(features)
    return members


def _distributions() -> dict:
    found = {}
    for pyproject in sorted([*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("plugins/*/pyproject.toml")]):
        project = tomllib.loads(pyproject.read_text())["project"]
        extras = project.get("optional-dependencies", {})
        # extras that only name other extras or our own distributions add nothing to install
        own = ("caikit", project["name"])
        third_party = sorted(
            name for name, requirements in extras.items()
            if any(not r.split("[")[0].split(">")[0].split("=")[0].strip().startswith(own) for r in requirements)
        )
        found[str(pyproject.parent.relative_to(ROOT))] = third_party
    return found


def test_every_distribution_is_a_workspace_member_with_its_extras():
    distributions = _distributions()
    assert len(distributions) >= 7
    assert _members() == distributions
