"""Processes: free ports, per-process CPU and memory from /proc, JSON-speaking children."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class NotAvailable(RuntimeError):
    """A benchmark side cannot run (its code does not exist yet or fails to start)."""


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of process ``pid`` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid`` in bytes."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def run_json(cmd: list, *, env: dict | None = None, timeout: float = 300, cwd=None) -> dict:
    """Run ``cmd`` and return the JSON object printed on its last stdout line.

    Raises:
        NotAvailable: the command failed or printed no JSON; carries the stderr tail.
    """
    try:
        proc = subprocess.run(
            [str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise NotAvailable(f"timed out after {timeout} s: {cmd[1:3]!r}") from exc
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise NotAvailable(f"exit {proc.returncode}: {tail[:300]}")
    return json.loads(lines[-1])


def stop(proc: subprocess.Popen) -> None:
    """Kill the process group that ``proc`` leads (started with start_new_session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def wait_rusage(proc: subprocess.Popen) -> tuple[int, float, float]:
    """Wait for ``proc``; return (exit status, user CPU s, system CPU s) of that child only."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime, usage.ru_stime


def deadline(seconds: float) -> float:
    """Return the monotonic time ``seconds`` from now."""
    return time.monotonic() + seconds
