"""Soak run: the runtime and a compose application under a steady rate for a long time, showing
that memory, file descriptors and threads stay flat.

* **Runtime**: ``python -m caikit.runtime`` (gRPC + HTTP) serving the ``reliability_lib`` test
  library, driven at ``--rate`` requests per second by a fixed mix: HTTP unary on fresh and on
  kept-alive connections, SSE and NDJSON streams, gRPC unary, server and bidi streams, info
  calls, short held calls, and requests that must be refused (415, 422, 404, 413 before the
  body is read). Kept-alive connections behave as a well-behaved HTTP/1.1 client's: one idle
  for 4 s is replaced (the server closes idle ones after 5 s), and a request that finds its
  reused connection closed before any response is retried once on a new one (RFC 9112 §9.3.1);
  both are counted and reported, neither counts as unexpected.
* **Compose**: ``compose_process.py`` (LOCAL queue with a worker pool, INDIVIDUAL, KEY and COUNT
  groupings, one handler call in a hundred raising) at ``--compose-rate`` message pairs per
  second, and a second compose process at a fifth of that rate runs on a ``redis-server``
  started on a free loopback port (on by default; ``--no-redis`` leaves it out, a missing binary is an
  error).

Every ``--sample`` seconds the RSS, descriptor and thread counts of each process are read from
``/proc``. After a warm-up (the first 20 % of the run, at least one grouping TTL), each series
must be flat: RSS may grow by at most ``--max-rss-growth-mb`` (and 5 %), descriptors by at most
``--max-fd-growth``, threads by at most ``--max-thread-growth``, judged on the median of the
first and the last few samples. Any unexpected answer also fails the run. The figures go to
``--out`` as JSON and a summary is printed; the exit status is 0 only if everything held.

Usage::

    nox -s soak                          # 30 minutes
    nox -s soak -- --minutes 5           # shorter
    python benchmarks/soak/soak.py --minutes 2 --rate 100 --no-redis
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "packages" / "caikit-runtime" / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))

from reliability_support import Runtime, free_port, process_figures, reflected_rpcs, standard_models  # noqa: E402

HERE = Path(__file__).resolve().parent
# kept-alive connections idle longer than this are replaced (hypercorn closes them after 5 s)
KEEPALIVE_REUSE_SECONDS = 4.0
# failures of a reused connection that mean "closed before any response": the request is retried
RETRYABLE_ON_REUSE = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


# -- the runtime's load ---------------------------------------------------------------------------


class RuntimeLoad:
    """A fixed mix of calls at a steady total rate, from a few worker threads."""

    def __init__(self, server: Runtime, rate: float, workers: int = 8):
        import grpc

        self.server = server
        self.rate = rate
        self.workers = workers
        self.outcomes: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.unexpected: List[str] = []
        self.late = 0
        self.idle_reconnects = 0
        self.reuse_retries = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.tickets: queue.Queue[int] = queue.Queue(maxsize=max(10, int(rate)))
        self.channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
        rpcs = {r.name: r for r in reflected_rpcs(self.channel)}
        self.rpcs = rpcs
        self.local = threading.local()
        self.mix: List[Callable[[], str]] = (
            [self.http_fresh] * 6 + [self.http_keepalive] * 4 + [self.http_sse] + [self.grpc_unary] * 5
            + [self.grpc_stream, self.grpc_bidi, self.http_ndjson, self.info, self.hold, self.refused]
        )
        self.threads: List[threading.Thread] = []

    # each call returns its outcome; an outcome starting with "!" is unexpected

    def _conn(self, fresh: bool) -> http.client.HTTPConnection:
        if fresh:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=30)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return conn
        conn = getattr(self.local, "conn", None)
        idle = time.monotonic() - getattr(self.local, "last_used", 0.0)
        if conn is not None and idle > KEEPALIVE_REUSE_SECONDS:
            # as browsers and Go's IdleConnTimeout do: never reuse a connection the server may be
            # closing as idle right now (hypercorn's keep-alive timeout is 5 s)
            conn.close()
            conn = None
            with self.lock:
                self.idle_reconnects += 1
        if conn is None:
            conn = self.local.conn = self._conn(True)
        return conn

    def _post(self, path: str, body: bytes, headers: Dict[str, str], fresh: bool = True) -> tuple:
        conn = self._conn(fresh)
        try:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as err:
            if fresh:
                raise
            self.local.conn = None
            conn.close()
            if not isinstance(err, RETRYABLE_ON_REUSE):
                raise
            # RFC 9112 §9.3.1: a reused connection can be closed by the server as the request is
            # sent; an idempotent request that got no response is retried once on a new
            # connection, as urllib3 and browsers do. Counted, so the summary shows every retry.
            with self.lock:
                self.reuse_retries += 1
            return self._post(path, body, headers, fresh=True)
        finally:
            if fresh:
                conn.close()
            else:
                self.local.last_used = time.monotonic()

    def http_fresh(self) -> str:
        status, body = self._post("/api/v1/task/echo", b'{"model_id": "echo", "inputs": "soak"}', {"Content-Type": "application/json"})
        return "ok" if status == 200 and b"e:soak" in body else f"!{status} {body[:100]!r}"

    def http_keepalive(self) -> str:
        status, body = self._post("/api/v1/task/weigh", b'{"model_id": "weigh", "inputs": [{"name": "a", "weight": 1.5}]}',
                                  {"Content-Type": "application/json"}, fresh=False)
        return "ok" if status == 200 else f"!{status} {body[:100]!r}"

    def http_sse(self) -> str:
        status, body = self._post("/api/v1/task/server-streaming-echo",
                                  b'{"model_id": "echo", "inputs": "s", "parameters": {"repeat": 3}}', {"Content-Type": "application/json"})
        return "ok" if status == 200 and body.count(b"event: message") == 3 else f"!{status} {body[:100]!r}"

    def http_ndjson(self) -> str:
        lines = b'{"model_id": "echo", "inputs": "a"}\n{"inputs": "b"}\n{"inputs": "c"}\n'
        status, body = self._post("/api/v1/task/client-streaming-echo", lines, {"Content-Type": "application/x-ndjson"})
        return "ok" if status == 200 and b'"count": 3' in body else f"!{status} {body[:100]!r}"

    def info(self) -> str:
        conn = self._conn(True)
        try:
            conn.request("GET", "/info/models")
            response = conn.getresponse()
            response.read()
            return "ok" if response.status == 200 else f"!{response.status}"
        finally:
            conn.close()

    def hold(self) -> str:
        status, body = self._post("/api/v1/task/hold", b'{"model_id": "hold", "inputs": "h", "parameters": {"seconds": 0.05}}',
                                  {"Content-Type": "application/json"})
        return "ok" if status == 200 else f"!{status} {body[:100]!r}"

    def refused(self) -> str:
        self.local.refusal = (getattr(self.local, "refusal", 0) + 1) % 4
        kind = self.local.refusal
        if kind == 0:
            status, _ = self._post("/api/v1/task/echo", b"{}", {"Content-Type": "text/plain"})
            expected = 415
        elif kind == 1:
            status, _ = self._post("/api/v1/task/echo", b'{"model_id": "echo", "inputs": ', {"Content-Type": "application/json"})
            expected = 422
        elif kind == 2:
            status, _ = self._post("/api/v1/task/echo", b'{"model_id": "nope", "inputs": "x"}', {"Content-Type": "application/json"})
            expected = 404
        else:
            # a declared body far above the limit: answered before it is sent
            with socket.create_connection(("127.0.0.1", self.server.http_port), timeout=30) as sock:
                sock.sendall(b"POST /api/v1/task/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 1000000000\r\n\r\n")
                head = sock.recv(1024)
            status = int(head.split()[1]) if head else 0
            expected = 413
        return "refused" if status == expected else f"!{status} (expected {expected})"

    def grpc_unary(self) -> str:
        import grpc

        rpc = self.rpcs["EchoTaskPredict"]
        try:
            reply = self.channel.unary_unary(rpc.path)(rpc.request_class(text="g").SerializeToString(),
                                                       metadata=[("mm-model-id", "echo")], timeout=30)
        except grpc.RpcError as err:
            return f"!{err.code().name}"
        return "ok" if b"e:g" in reply else "!bad reply"

    def grpc_stream(self) -> str:
        import grpc

        rpc = self.rpcs["ServerStreamingEchoTaskPredict"]
        try:
            items = list(self.channel.unary_stream(rpc.path)(rpc.request_class(text="g", repeat=3).SerializeToString(),
                                                             metadata=[("mm-model-id", "echo")], timeout=30))
        except grpc.RpcError as err:
            return f"!{err.code().name}"
        return "ok" if len(items) == 3 else f"!{len(items)} items"

    def grpc_bidi(self) -> str:
        import grpc

        rpc = self.rpcs["BidiStreamingEchoTaskPredict"]
        requests = [rpc.request_class(text=t).SerializeToString() for t in "abc"]
        try:
            items = list(self.channel.stream_stream(rpc.path)(iter(requests), metadata=[("mm-model-id", "echo")], timeout=30))
        except grpc.RpcError as err:
            return f"!{err.code().name}"
        return "ok" if len(items) == 3 else f"!{len(items)} items"

    # -- driving ------------------------------------------------------------------------------

    def _schedule(self) -> None:
        began = time.monotonic()
        index = 0
        while not self.stop.is_set():
            due = began + index / self.rate
            now = time.monotonic()
            if due > now:
                time.sleep(min(due - now, 0.05))
                continue
            try:
                self.tickets.put_nowait(index)
            except queue.Full:
                with self.lock:
                    self.late += 1  # the workers could not keep up
            index += 1

    def _work(self) -> None:
        while not self.stop.is_set():
            try:
                index = self.tickets.get(timeout=0.2)
            except queue.Empty:
                continue
            call = self.mix[index % len(self.mix)]
            try:
                outcome = call()
            except Exception as err:
                outcome = f"!{type(err).__name__}: {err}"
            with self.lock:
                self.outcomes[call.__name__][outcome if not outcome.startswith("!") else "unexpected"] += 1
                if outcome.startswith("!") and len(self.unexpected) < 50:
                    self.unexpected.append(f"{call.__name__}: {outcome}")

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._schedule, daemon=True)]
        self.threads += [threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        self.channel.close()

    def totals(self) -> Dict[str, int]:
        with self.lock:
            total = collections.Counter()
            for counter in self.outcomes.values():
                total.update(counter)
            return dict(total)


# -- compose -----------------------------------------------------------------------------------------


class ComposeProcess:
    """``compose_process.py`` in a subprocess, its counters read from its stdout."""

    def __init__(self, name: str, workdir: Path, rate: float, seconds: float, ttl: float, redis_url: str = ""):
        self.name = name
        self.last: Dict[str, Any] = {}
        self.log = open(workdir / f"{name}.log", "wb")
        args = [sys.executable, str(HERE / "compose_process.py"), "--rate", str(rate), "--seconds", str(seconds), "--ttl", str(ttl)]
        if redis_url:
            args += ["--redis-url", redis_url]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, cwd=workdir)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.last = json.loads(line)
            except ValueError:
                pass

    def stop(self) -> Optional[int]:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            status = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.reader.join(10)
        self.log.close()
        return status


# -- evaluation -----------------------------------------------------------------------------------------


def flatness(samples: List[Dict[str, Any]], process: str, key: str, warmup: int) -> Dict[str, float]:
    series = [s[process][key] for s in samples if process in s][warmup:]
    if len(series) < 6:
        return {"first": float("nan"), "last": float("nan"), "growth": 0.0, "slope_per_hour": 0.0}
    head = statistics.median(series[:3])
    tail = statistics.median(series[-3:])
    times = [s["t"] for s in samples if process in s][warmup:]
    mean_t, mean_v = statistics.fmean(times), statistics.fmean(series)
    var = sum((t - mean_t) ** 2 for t in times) or 1.0
    slope = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, series)) / var
    return {"first": head, "last": tail, "growth": tail - head, "slope_per_hour": slope * 3600}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the run (default 30)")
    parser.add_argument("--rate", type=float, default=100.0, help="runtime requests per second")
    parser.add_argument("--compose-rate", type=float, default=500.0, help="compose message pairs per second")
    parser.add_argument("--ttl", type=float, default=20.0, help="compose grouping TTL (seconds)")
    parser.add_argument("--sample", type=float, default=0.0, help="seconds between samples (default: ~120 samples)")
    parser.add_argument("--redis", action=argparse.BooleanOptionalAction, default=True,
                        help="also run compose on a redis-server started on a free port (default; --no-redis to leave it out)")
    parser.add_argument("--max-rss-growth-mb", type=float, default=16.0)
    parser.add_argument("--max-fd-growth", type=int, default=8)
    parser.add_argument("--max-thread-growth", type=int, default=8,
                        help="threads (the handler pool grows lazily up to runtime.server_thread_pool_size)")
    parser.add_argument("--out", default=str(HERE / "results" / "soak-latest.json"))
    args = parser.parse_args(argv)

    seconds = args.minutes * 60
    sample_every = args.sample or max(1.0, seconds / 120)
    workdir = Path(tempfile.mkdtemp(prefix="caikit-soak-"))
    standard_models(workdir / "models")
    redis_proc = None
    composes: List[ComposeProcess] = []
    server = Runtime(workdir, config={"runtime": {"http": {"max_body_bytes": 1024 * 1024}}})
    load = RuntimeLoad(server, args.rate)
    samples: List[Dict[str, Any]] = []
    try:
        composes.append(ComposeProcess("compose-local", workdir, args.compose_rate, seconds + 60, args.ttl))
        if args.redis:
            binary = shutil.which("redis-server")
            if binary is None:
                raise SystemExit("--redis: no redis-server on PATH")
            port = free_port()
            redis_proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            composes.append(ComposeProcess("compose-redis", workdir, args.compose_rate / 5, seconds + 60, args.ttl,
                                           f"redis://127.0.0.1:{port}/0"))
        load.start()
        began = time.monotonic()
        print(f"soak: {args.minutes:g} min, runtime {args.rate:g} req/s, compose {args.compose_rate:g} pairs/s, "
              f"sample every {sample_every:.0f} s, work dir {workdir}")
        header = f"{'t (s)':>7} {'runtime rss MB':>14} {'fds':>4} {'thr':>4}"
        for compose in composes:
            header += f" {compose.name + ' rss MB':>20} {'fds':>4} {'thr':>4}"
        print(header + "  calls / unexpected")
        while time.monotonic() - began < seconds:
            time.sleep(sample_every)
            sample: Dict[str, Any] = {"t": round(time.monotonic() - began, 1), "runtime": process_figures(server.pid)}
            for compose in composes:
                if compose.proc.poll() is None:
                    sample[compose.name] = process_figures(compose.proc.pid)
                    sample[compose.name + " counters"] = dict(compose.last)
            totals = load.totals()
            sample["calls"] = totals
            samples.append(sample)
            line = f"{sample['t']:>7.0f} {sample['runtime']['rss'] / 1e6:>14.1f} {sample['runtime']['fds']:>4} {sample['runtime']['threads']:>4}"
            for compose in composes:
                figures = sample.get(compose.name) or {"rss": 0, "fds": 0, "threads": 0}
                line += f" {figures['rss'] / 1e6:>20.1f} {figures['fds']:>4} {figures['threads']:>4}"
            print(line + f"  {sum(totals.values())} / {totals.get('unexpected', 0)}", flush=True)
            if not server.alive():
                print("the runtime died")
                break
    finally:
        load.finish()
        runtime_status = server.stop()
        compose_status = {c.name: c.stop() for c in composes}
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(30)

    warmup = max(int(len(samples) * 0.2), int(args.ttl * 2 / sample_every) + 1)
    verdicts = {}
    failures = []
    for process in ["runtime"] + [c.name for c in composes]:
        for key, limit in (("rss", None), ("fds", args.max_fd_growth), ("threads", args.max_thread_growth)):
            result = flatness(samples, process, key, warmup)
            verdicts[f"{process} {key}"] = result
            if key == "rss":
                limit = max(args.max_rss_growth_mb * 1e6, result["first"] * 0.05)
            if result["growth"] > limit:
                failures.append(f"{process} {key} grew by {result['growth']:.0f} (limit {limit:.0f})")
    totals = load.totals()
    if totals.get("unexpected"):
        failures.append(f"{totals['unexpected']} unexpected runtime answers, e.g. {load.unexpected[:5]}")
    if load.late > args.rate:  # more than a second's worth of calls could not be sent in time
        failures.append(f"{load.late} calls could not be sent on time (the load generator fell behind)")
    if runtime_status != 0:
        failures.append(f"the runtime exited with {runtime_status}")
    failures += [f"{name} exited with {status}" for name, status in compose_status.items() if status != 0]
    for compose in composes:
        last = compose.last
        if not last.get("final"):
            failures.append(f"{compose.name} did not finish cleanly: {last}")
        elif last.get("key_groups", 0) * 2 < last.get("published", 0) * 0.99 / 2:
            failures.append(f"{compose.name} lost KEY groups: {last}")

    result = {
        "minutes": args.minutes,
        "rate": args.rate,
        "compose_rate": args.compose_rate,
        "sample_seconds": sample_every,
        "warmup_samples": warmup,
        "calls": totals,
        "calls_by_kind": {k: dict(v) for k, v in load.outcomes.items()},
        "late": load.late,
        "keepalive_idle_reconnects": load.idle_reconnects,
        "keepalive_retries_after_server_close": load.reuse_retries,
        "compose": {c.name: c.last for c in composes},
        "verdicts": verdicts,
        "failures": failures,
        "samples": samples,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print("\nflatness after warm-up (first -> last, growth, slope per hour):")
    for name, verdict in verdicts.items():
        scale = 1e6 if name.endswith("rss") else 1
        unit = " MB" if name.endswith("rss") else ""
        print(f"  {name:<28} {verdict['first'] / scale:>8.1f} -> {verdict['last'] / scale:>8.1f}{unit}  "
              f"growth {verdict['growth'] / scale:+.1f}{unit}  slope {verdict['slope_per_hour'] / scale:+.1f}{unit}/h")
    print(f"runtime calls: {totals}; kept-alive connections replaced when idle: {load.idle_reconnects}, "
          f"requests retried after the server closed a reused connection: {load.reuse_retries}")
    print(f"compose: {result['compose']}")
    print(f"results: {out}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK: flat memory, descriptors and threads; every answer as expected")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
