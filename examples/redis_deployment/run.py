"""Run the whole deployment on this machine with one command.

    python examples/redis_deployment/run.py --workers 3 --count 2000

Starts a private ``redis-server`` on a free port (or uses ``--url``), ``--workers`` worker
processes and the publisher, prints who did what, then stops everything. Exit status 0 when
every document was reported exactly once.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: str) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server without persistence; returns it and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (or pass --url of a running Redis)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run Redis, N workers and the publisher.")
    parser.add_argument("--workers", type=int, default=3, help="worker processes")
    parser.add_argument("--count", type=int, default=2000, help="documents to publish")
    parser.add_argument("--url", help="use this Redis instead of starting one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for reports")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as workdir:
        redis_proc = None
        url = args.url
        if url is None:
            redis_proc, url = start_redis(workdir)
        env = {**os.environ, "REDIS_URL": url, "COMPOSE_NAMESPACE": f"redis-example-{os.getpid()}"}
        workers: List[subprocess.Popen] = []
        try:
            for _ in range(args.workers):
                worker = subprocess.Popen(
                    [sys.executable, str(HERE / "worker.py")],
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                workers.append(worker)
            names = [w.stdout.readline().split()[-1] for w in workers]
            print(f"redis {url}; workers {', '.join(names)}", flush=True)
            publisher = subprocess.run(
                [sys.executable, str(HERE / "publisher.py"), "--count", str(args.count),
                 "--collect", "--timeout", str(args.timeout)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            summary = json.loads(publisher.stdout.strip().splitlines()[-1])
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            finals = []
            for worker in workers:
                out, _ = worker.communicate(timeout=30)
                lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
                finals.extend(line for line in lines if line.get("final"))
            if redis_proc is not None:
                redis_proc.kill()
                redis_proc.wait()

    print(
        f"{summary['reports']} of {summary['published']} documents reported "
        f"({summary['duplicates']} duplicates) in {summary['seconds']} s, "
        f"{summary['documents_per_second']} documents/s"
    )
    print(f"{summary['handled_by_two_workers']} reports combined statistics of another worker")
    for final in finals:
        print(
            f"  worker {final['worker']}: {final['delivered']} messages received, "
            f"counted {summary['counted_by'].get(final['worker'], 0)}, "
            f"reported {summary['reported_by'].get(final['worker'], 0)}"
        )
    print("SUMMARY " + json.dumps({"summary": summary, "workers": finals}))
    return publisher.returncode


if __name__ == "__main__":
    raise SystemExit(main())
