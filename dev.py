#!/usr/bin/env python3
"""Bootstrap for a fresh machine: `python3 dev.py demo` or `python3 dev.py test`.

Creates .venv-nox with nox (and uv, which nox uses to build its environments quickly), then
runs the matching nox session. Only needs Python 3.10+ on the machine.
"""
import os
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(ROOT, ".venv-nox")
SESSIONS = {
    "demo": ["-s", "demo"],
    "test": ["-s", "tests_all", "tests(caikit-core)"],
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SESSIONS:
        print(f"usage: python3 dev.py {{{'|'.join(SESSIONS)}}} [nox args...]", file=sys.stderr)
        return 2
    python = os.path.join(TOOLS, "bin", "python")
    if not os.path.exists(os.path.join(TOOLS, "bin", "nox")):
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run([python, "-m", "pip", "install", "-q", "nox>=2024.4", "uv>=0.4"], check=True)
    command = [python, "-m", "nox", "-f", os.path.join(ROOT, "noxfile.py"), *SESSIONS[argv[0]], *argv[1:]]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
