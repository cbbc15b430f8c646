"""Load client (tools env): the same client code for every gRPC and HTTP server measured.

Modes::

    load_client.py grpc|http PORT first-answer TIMEOUT
        print "ready", then poll until the first correct answer; print
        {"t_first": <time.monotonic()>} (CLOCK_MONOTONIC is system-wide, so the parent
        can subtract the instant it started the server).
    load_client.py grpc|http PORT load CONCURRENCY SECONDS MAX_REQUESTS
        keep CONCURRENCY requests in flight for SECONDS (or MAX_REQUESTS); print
        {"requests", "errors", "error_kinds", "wall", "rps", "p50_ms", "p99_ms", "client_cpu"}
        (``requests`` counts correct answers only; ``error_kinds`` maps an HTTP status,
        gRPC status code or exception name to its count).

gRPC: ``caikit.runtime.GreeterLib.GreeterLibService/GreetingTaskPredict`` with
``mm-model-id: greeter``; the request ``GreetingTaskRequest{string name = 1}`` is
hand-encoded bytes, so no generated code is needed. HTTP: ``POST
/api/v1/task/greeting`` ``{"inputs": "Gabe", "model_id": "greeter"}`` over
keep-alive HTTP/1.1 connections (one per in-flight request), written on raw asyncio
streams so the client spends as little of the shared CPU as possible.
Loopback only.
"""

import asyncio
import json
import socket
import sys
import time

HOST = "127.0.0.1"
METHOD = "/caikit.runtime.GreeterLib.GreeterLibService/GreetingTaskPredict"
GRPC_REQUEST = b"\x0a\x04Gabe"  # field 1 (name), length 4
GRPC_REPLY = b"\x0a\x0aHello Gabe"  # field 1 (greeting), length 10
METADATA = (("mm-model-id", "greeter"),)
HTTP_BODY = json.dumps({"inputs": "Gabe", "model_id": "greeter"}).encode()


class Grpc:
    """One gRPC channel shared by all in-flight calls (HTTP/2 multiplexing)."""

    def __init__(self, port: int):
        import grpc

        self.channel = grpc.aio.insecure_channel(f"{HOST}:{port}")
        self.call = self.channel.unary_unary(METHOD)

    async def connect(self):
        return self

    async def request(self):
        """True for the expected reply, else a short description of what came back."""
        try:
            reply = await self.call(GRPC_REQUEST, metadata=METADATA, timeout=10)
        except Exception as exc:  # reported, not fatal
            code = getattr(exc, "code", None)
            return code().name if callable(code) else type(exc).__name__
        return reply == GRPC_REPLY or "unexpected reply"

    async def close(self):
        await self.channel.close()


class Http:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int):
        self.port = port
        self.raw = (
            f"POST /api/v1/task/greeting HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(HTTP_BODY)}\r\n\r\n"
        ).encode() + HTTP_BODY

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        return self

    async def request(self):
        """True for a 200 with the greeting, else the status (or exception) seen."""
        try:
            return await self._request()
        except Exception as exc:  # reported, not fatal; the connection is reopened
            self.writer.close()
            try:
                await self.connect()
            except OSError:
                pass
            return type(exc).__name__

    async def _request(self):
        self.writer.write(self.raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
        }
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            body = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        if headers.get("connection", "").lower() == "close":
            # e.g. hypercorn closes a keep-alive connection after 1000 requests; a real client reconnects.
            self.writer.close()
            await self.connect()
        status = lines[0].split()[1]
        return (status == "200" and b"Hello Gabe" in body) or f"HTTP {status}"

    async def close(self):
        self.writer.close()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


async def first_answer(kind, port: int, timeout: float) -> dict:
    """Poll the port, then the API, until one correct answer; return its instant."""
    end = time.monotonic() + timeout
    while not _port_open(port):
        if time.monotonic() > end:
            raise SystemExit("port never opened")
        await asyncio.sleep(0.005)
    while time.monotonic() < end:
        client = kind(port)
        try:
            await client.connect()
            if await client.request() is True:
                t = time.monotonic()
                await client.close()
                return {"t_first": t}
        except Exception:  # not up yet: any failure means "try again"
            pass
        await asyncio.sleep(0.005)
    raise SystemExit("no correct answer before the timeout")


async def load(kind, port: int, concurrency: int, seconds: float, max_requests: int) -> dict:
    """Keep ``concurrency`` requests in flight; return throughput and latency."""
    shared = await kind(port).connect() if kind is Grpc else None
    clients = [shared or await kind(port).connect() for _ in range(concurrency)]
    latencies: list[int] = []
    kinds: dict[str, int] = {}
    budget = [max_requests]
    end = time.monotonic() + seconds

    async def worker(client):
        while budget[0] > 0 and time.monotonic() < end:
            budget[0] -= 1
            t0 = time.perf_counter_ns()
            ok = await client.request()
            if ok is True:
                latencies.append(time.perf_counter_ns() - t0)
            else:
                kinds[ok] = kinds.get(ok, 0) + 1

    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker(c) for c in clients))
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    for c in set(clients):
        await c.close()
    latencies.sort()
    n = len(latencies)
    pct = lambda q: latencies[min(n - 1, int(q * n))] / 1e6 if n else None  # noqa: E731
    return {
        "requests": n,
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
        "wall": wall,
        "rps": n / wall,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "client_cpu": cpu,
    }


def main() -> None:
    """Parse argv (see module docstring) and print one JSON line."""
    kind = {"grpc": Grpc, "http": Http}[sys.argv[1]]
    port, mode = int(sys.argv[2]), sys.argv[3]
    if mode == "first-answer":
        print("ready", flush=True)
        result = asyncio.run(first_answer(kind, port, float(sys.argv[4])))
    else:
        conc, seconds, max_req = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
        result = asyncio.run(load(kind, port, conc, seconds, max_req))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
