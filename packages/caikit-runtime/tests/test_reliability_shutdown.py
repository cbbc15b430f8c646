"""Graceful shutdown of a real ``python -m caikit.runtime`` under steady load.

SIGTERM arrives while HTTP and gRPC clients (unary calls and server streams) keep calling and
some admitted calls are held in the model. Then:

* readiness fails at once: ``GET /health`` and the gRPC health check stop answering SERVING
  while the held calls are still running (measured and printed; bounded generously);
* every call the server admitted finishes completely: each HTTP response is whole (a complete
  body, or every SSE event and the end of the stream) and each gRPC stream ends with OK;
  calls that arrive after the signal are refused cleanly (503, connection refused,
  UNAVAILABLE) and never cut half-way. grpcio's core answers CANCELLED, not UNAVAILABLE, to a
  call it had received but not yet handed to the server when shutdown began
  (https://github.com/grpc/grpc/issues/41785): every gRPC call has its own label, so such a
  call is told apart from an admitted one by the model's ``<label>.started`` marker, and only
  a call that never reached the model counts as refused;
* the process exits with status 0 within the grace period, also when a call or a model load
  would outlive it.
"""
from __future__ import annotations

import collections
import http.client
import itertools
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List

import grpc
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from reliability_support import Runtime, reflected_rpcs, standard_models, wait_until  # noqa: E402

GRACE = 10.0

pytestmark = pytest.mark.slow


class Load:
    """Client threads calling until told to stop; every outcome is classified."""

    def __init__(self, server: Runtime):
        self.server = server
        self.stop = threading.Event()
        self.outcomes: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.cut: List[str] = []
        self.lock = threading.Lock()
        self.threads: List[threading.Thread] = []
        rpcs = {r.name: r for r in reflected_rpcs(server.channel)}
        self.unary = rpcs["HoldTaskPredict"]
        self.stream = rpcs["ServerStreamingHoldTaskPredict"]
        self.serial = itertools.count()

    def _unique(self, label: str) -> str:
        return label if label.startswith("hold") else f"{label}-{next(self.serial)}"

    def _never_admitted(self, code: str, marker: str) -> bool:
        """A CANCELLED call the model never saw: grpcio refusing a call it had not handed to
        the server yet when shutdown began (grpc/grpc#41785), not a call cut short."""
        return code == "CANCELLED" and not (self.server.markers / f"{marker}.started").exists()

    def record(self, kind: str, outcome: str, cut: str = "") -> None:
        with self.lock:
            self.outcomes[kind][outcome] += 1
            if cut:
                self.cut.append(f"{kind}: {cut}")

    # -- HTTP ---------------------------------------------------------------------------------

    def _http(self, path: str, body: dict, kind: str, check) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=60)
        try:
            conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        except OSError:
            conn.close()
            self.record(kind, "refused (connect)")
            return
        try:
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            # nothing of a response arrived: the request was not admitted
            self.record(kind, "refused (closed)")
            conn.close()
            return
        try:
            data = response.read()
        except (http.client.IncompleteRead, OSError) as err:
            self.record(kind, "cut", f"{path} {response.status}: {err!r}")
            return
        finally:
            conn.close()
        if response.status == 503:
            self.record(kind, "503")
            return
        problem = check(response.status, data)
        self.record(kind, "ok" if not problem else "bad", problem)

    def http_unary(self, label: str, seconds: float, kind: str = "http unary") -> None:
        def check(status, data):
            if status != 200 or json.loads(data)["text"] != label:
                return f"unary {status} {data[:200]!r}"
            return ""

        self._http("/api/v1/task/hold", {"model_id": "hold", "inputs": label, "parameters": {"seconds": seconds}}, kind, check)

    def http_stream(self, label: str, count: int, seconds: float, kind: str = "http stream") -> None:
        def check(status, data):
            events = [b for b in data.split(b"\r\n\r\n") if b and not b.startswith(b":")]
            if status != 200 or len(events) != count or not all(e.startswith(b"event: message") for e in events):
                return f"stream {status} {len(events)} events: {data[-200:]!r}"
            return ""

        body = {"model_id": "hold", "inputs": label, "parameters": {"seconds": seconds, "count": count}}
        self._http("/api/v1/task/server-streaming-hold", body, kind, check)

    # -- gRPC ---------------------------------------------------------------------------------

    def grpc_unary(self, channel, label: str, seconds: float, kind: str = "grpc unary") -> None:
        label = self._unique(label)
        payload = self.unary.request_class(label=label, seconds=seconds).SerializeToString()
        try:
            channel.unary_unary(self.unary.path)(payload, metadata=[("mm-model-id", "hold")], timeout=60)
        except grpc.RpcError as err:
            code = err.code().name
            if self._never_admitted(code, label):
                self.record(kind, "refused (CANCELLED)")
                return
            # UNAVAILABLE: not accepted (the server stops taking calls); anything else is a
            # call that was admitted and did not finish
            self.record(kind, code, "" if code == "UNAVAILABLE" else f"{code}: {err.details()}")
            return
        self.record(kind, "ok")

    def grpc_stream(self, channel, label: str, count: int, seconds: float, kind: str = "grpc stream") -> None:
        label = self._unique(label)
        payload = self.stream.request_class(label=label, seconds=seconds, count=count).SerializeToString()
        received = 0
        try:
            for _ in channel.unary_stream(self.stream.path)(payload, metadata=[("mm-model-id", "hold")], timeout=60):
                received += 1
        except grpc.RpcError as err:
            code = err.code().name
            if received == 0 and self._never_admitted(code, f"{label}-0"):
                self.record(kind, "refused (CANCELLED)")
                return
            cut = received > 0 or code != "UNAVAILABLE"
            self.record(kind, "cut" if cut else code, f"{code} after {received}: {err.details()}" if cut else "")
            return
        self.record(kind, "ok" if received == count else "bad", "" if received == count else f"{received} items")

    # -- driving ------------------------------------------------------------------------------

    def steady(self, clients_per_kind: int = 2) -> None:
        def loop(body) -> None:
            channel = grpc.insecure_channel(f"127.0.0.1:{self.server.grpc_port}")
            try:
                while not self.stop.is_set():
                    body(channel)
                    time.sleep(0.01)
            finally:
                channel.close()

        kinds = [
            lambda ch: self.http_unary("steady", 0.05),
            lambda ch: self.http_stream("steady", 3, 0.05),
            lambda ch: self.grpc_unary(ch, "steady", 0.05),
            lambda ch: self.grpc_stream(ch, "steady", 3, 0.05),
        ]
        for body in kinds:
            for _ in range(clients_per_kind):
                thread = threading.Thread(target=loop, args=(body,), daemon=True)
                thread.start()
                self.threads.append(thread)

    def held(self) -> None:
        """Calls held in the model until ``release`` appears (two per protocol)."""
        channel = grpc.insecure_channel(f"127.0.0.1:{self.server.grpc_port}")
        self._held_channel = channel
        calls = [
            lambda: self.http_unary("hold-http-unary", 0, "held http unary"),
            lambda: self.http_stream("hold-http-stream", 2, 0, "held http stream"),
            lambda: self.grpc_unary(channel, "hold-grpc-unary", 0, "held grpc unary"),
            lambda: self.grpc_stream(channel, "hold-grpc-stream", 2, 0, "held grpc stream"),
        ]
        for call in calls:
            thread = threading.Thread(target=call, daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        self._held_channel.close()


def _not_ready(server: Runtime) -> Dict[str, bool]:
    return {"http": server.http_health(timeout=0.5) != 200, "grpc": server.grpc_health(timeout=0.5) != "SERVING"}


def test_sigterm_under_steady_load(tmp_path):
    standard_models(tmp_path / "models")
    server = Runtime(
        tmp_path,
        config={"runtime": {"grpc": {"server_shutdown_grace_period_seconds": GRACE}, "http": {"server_shutdown_grace_period_seconds": GRACE}}},
    )
    markers = server.markers
    load = Load(server)
    try:
        load.steady()
        time.sleep(1.0)
        load.held()
        # the held calls are admitted and running (the first item of each stream too)
        wait_until(
            lambda: all((markers / f"{name}.started").exists() for name in ("hold-http-unary", "hold-http-stream-0", "hold-grpc-unary", "hold-grpc-stream-0")),
            what="the held calls to start",
        )
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        failed: Dict[str, float] = {}
        while len(failed) < 2 and time.monotonic() - signalled < 5:
            for protocol, down in _not_ready(server).items():
                if down and protocol not in failed:
                    failed[protocol] = time.monotonic() - signalled
        assert set(failed) == {"http", "grpc"}, f"readiness still passing 5 s after SIGTERM: {failed}"
        # readiness failed while the admitted calls are still held: it did not wait for them
        assert server.alive()
        assert not (markers / "hold-http-unary.done").exists()
        (markers / "release").write_text("")
        status = server.proc.wait(timeout=GRACE + 5)
        exited = time.monotonic() - signalled
    finally:
        load.finish()
        server.stop()
    print(
        f"\nreadiness failed after HTTP {failed['http'] * 1000:.0f} ms, gRPC {failed['grpc'] * 1000:.0f} ms; "
        f"exit after {exited:.2f} s; outcomes {dict((k, dict(v)) for k, v in load.outcomes.items())}"
    )
    assert status == 0, server.log()[-3000:]
    assert exited < GRACE
    assert not load.cut, load.cut
    for kind in ("http unary", "http stream", "grpc unary", "grpc stream"):
        # the calls held in the model when the signal came were admitted: each finished
        assert load.outcomes[f"held {kind}"] == {"ok": 1}, (kind, load.outcomes[f"held {kind}"])
        assert load.outcomes[kind]["ok"] > 0, (kind, load.outcomes[kind])
        assert set(load.outcomes[kind]) <= {"ok", "503", "refused (connect)", "refused (closed)", "UNAVAILABLE", "refused (CANCELLED)"}, (kind, load.outcomes[kind])


def test_exit_within_the_grace_period_when_work_outlives_it(tmp_path):
    """A call held past the grace period and a model load that hangs do not keep the process
    alive: it exits 0 within the grace period (plus a margin for
    the interpreter's own exit)."""
    from reliability_lib import FaultyModule

    grace = 3.0
    standard_models(tmp_path / "models")
    server = Runtime(
        tmp_path,
        config={"runtime": {"grpc": {"server_shutdown_grace_period_seconds": grace}, "http": {"server_shutdown_grace_period_seconds": grace}}},
    )
    try:
        FaultyModule("hang", hang_seconds=600).save(str(tmp_path / "hang-load"))
        rpcs = {r.name: r for r in reflected_rpcs(server.channel)}
        load = rpcs["loadModel"]
        request = load.request_class(modelId="hanging", modelPath=str(tmp_path / "models" / "hanging"), modelType="x")
        # put the hanging model in the models directory and have ModelMesh load it (no wait)
        import shutil

        shutil.copytree(tmp_path / "hang-load", tmp_path / "models" / "hanging")
        pending_load = server.channel.unary_unary(load.path).future(request.SerializeToString(), timeout=120)
        wait_until(lambda: (server.markers / "load-hang.started").exists(), what="the hanging load")
        held = threading.Thread(
            target=lambda: server.post_json("/api/v1/task/hold", {"model_id": "hold", "inputs": "hold-forever"}, timeout=60),
            daemon=True,
        )
        held.start()
        wait_until(lambda: (server.markers / "hold-forever.started").exists(), what="the held call")
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        status = server.proc.wait(timeout=60)
        exited = time.monotonic() - signalled
        held.join(10)
        pending_load.cancel()
    finally:
        server.stop()
    print(f"\nexit {exited:.2f} s after SIGTERM with a {grace} s grace period")
    assert status == 0, server.log()[-3000:]
    assert exited < grace + 2.0, f"the process took {exited:.1f} s to exit"
