"""Cold import: ``python -c "import caikit"`` (and caikit.runtime, caikit_compose) vs ``python -c pass``.

Each sample is a fresh interpreter; wall time from the parent's clock and CPU time
(user+system) of that one child from ``os.wait4``. Ours and the reference alternate
(A B A B ...) so both see the same machine load. When valgrind is installed,
``import caikit`` is also counted in instructions (callgrind, ``PYTHONHASHSEED=0``),
which the shared machine's load cannot move. ``-X frozen_modules=on`` is the
default; no ``-S`` and no ``-I``: users import with site enabled.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

from harness.proc import wait_rusage
from harness.sides import Context, figure, side_result

# (figure id, statement, which reference env)
IMPORTS = [
    ("import.caikit", "import caikit", "ref_runtime"),
    ("import.caikit_runtime", "import caikit.runtime", "ref_runtime"),
    ("import.caikit_compose", "import caikit_compose", "ref_compose"),
]


def _sample(python: str, stmt: str) -> tuple[float, float] | None:
    """Return (wall s, cpu s) of one fresh ``python -c stmt``; None if it failed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [python, "-c", stmt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    code, user, system = wait_rusage(proc)
    wall = time.perf_counter() - t0
    return None if code != 0 else (wall, user + system)


def _instructions(python: str, stmt: str) -> int | None:
    """Instructions executed by ``python -c stmt`` under callgrind (deterministic; None if it failed)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", stmt],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    match = re.search(r"Collected : (\d+)", proc.stderr)
    return int(match.group(1)) if (proc.returncode == 0 and match) else None


def instruction_figure(ctx: Context) -> dict:
    """`import caikit` in instructions (one callgrind run per side: the count does not swing with load)."""
    if not shutil.which("valgrind"):
        return {}
    sides = {
        "ours": {"error": "no interpreter for ours"}
        if ctx.ours is None
        else side_result(
            [_instructions(str(ctx.ours), "import caikit")], failed="`import caikit` failed"
        ),
        "reference": side_result([_instructions(str(ctx.ref_runtime), "import caikit")]),
        "limit": side_result([_instructions(str(ctx.ref_runtime), "pass")]),
    }
    return {
        "import.caikit.instructions": figure(
            "`import caikit` (instructions, callgrind)",
            "instructions",
            "lower",
            sides,
            limit_label="`python -c pass`",
        )
    }


def run(ctx: Context) -> dict:
    """Measure every import for ours and the reference, interleaved, plus ``pass``."""
    repeats = 15 if ctx.quick else 25
    # Quick mode samples only the figure with a target (issue 2) fully; the others half as often.
    sparse = 2 if ctx.quick else 1
    samples: dict = {}
    # One unrecorded pass first: it writes .pyc files and warms the page cache, so
    # every recorded sample is a fresh interpreter over warm files ("cold" = new process).
    for _, stmt, ref_key in IMPORTS:
        for py in (ctx.ours, getattr(ctx, ref_key)):
            if py is not None:
                _sample(str(py), stmt)
    for i in range(repeats):
        for fid, stmt, ref_key in IMPORTS:
            if fid != "import.caikit" and i % sparse:
                continue
            for side, py in (("ours", ctx.ours), ("reference", getattr(ctx, ref_key))):
                if py is None:
                    continue
                samples.setdefault((fid, side), []).append(_sample(str(py), stmt))
        samples.setdefault(("pass", "limit"), []).append(_sample(str(ctx.ref_runtime), "pass"))
    out = {}
    limit = samples[("pass", "limit")]
    for fid, stmt, _ in IMPORTS:
        for kind, idx in (("wall", 0), ("cpu", 1)):
            sides = {}
            for side in ("ours", "reference"):
                vals = samples.get((fid, side))
                if vals is None:
                    sides[side] = {"error": "no interpreter for ours"}
                else:
                    sides[side] = side_result(
                        [None if v is None else v[idx] for v in vals], failed=f"`{stmt}` failed"
                    )
            sides["limit"] = side_result([v[idx] for v in limit if v])
            out[f"{fid}.{kind}"] = figure(
                f"`{stmt}` ({kind} time)", "s", "lower", sides, limit_label="`python -c pass`"
            )
    out.update(instruction_figure(ctx))
    return out
