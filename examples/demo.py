#!/usr/bin/env python3
"""The caikit demo: the layers one at a time, in about ten seconds.

    python3 dev.py demo                  # from a fresh clone (sets up its own environment)
    python examples/demo.py [--out DIR]  # in an environment where caikit is installed

1. tools: configuration (with an environment override) and a factory
2. a data object, as JSON and as protobuf
3. training the four text_lib models, with a progress display
4. serving them with ``python -m caikit.runtime`` (a subprocess on free ports)
5. a request over HTTP (the curl command is printed) and over gRPC (a client generated from
   the same modules), then a clean shutdown
6. a caikit-compose pipeline: the classifier and the tagger as actors on a LOCAL message
   queue, their answers joined per ticket, and the pipeline's diagram written to a file

Everything it writes (models, the runtime's log, the diagram) goes to ``--out`` (default: a new
temporary directory, kept so you can look at it). It exits 0 when every step worked.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from typing import Dict, Iterator, List, Optional

STARTUP_TIMEOUT = 60.0  # seconds; only bounds a hung start
WIDTH = 78
TICKETS = [
    "I was charged twice for my order",
    "Where is my parcel? It was due in Rotterdam on March 3.",
    "The Nimbus Router keeps dropping the wifi connection",
    "I forgot my password and cannot log in",
]


# -- output helpers --------------------------------------------------------------------------


class Story:
    """Numbered steps with timings, and indented details."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.step_started = self.started
        self.number = 0

    def step(self, title: str) -> None:
        self.number += 1
        self.step_started = time.monotonic()
        print()
        print(f"{self.number}. {title}")
        print("-" * min(WIDTH, len(title) + 3))

    def say(self, text: str = "", indent: int = 3) -> None:
        for line in (text.splitlines() or [""]):
            print(" " * indent + line)

    def code(self, text: str) -> None:
        self.say(textwrap.dedent(text).strip("\n"), indent=5)

    def done(self, what: str = "done") -> None:
        print(f"   ✓ {what} ({time.monotonic() - self.step_started:.2f} s)")


def progress_bar(done: int, total: int, width: int = 24) -> str:
    filled = width if total <= 0 else int(width * done / total)
    return "█" * filled + "·" * (width - filled)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- 1. tools --------------------------------------------------------------------------------


def show_config(story: Story) -> None:
    import caikit
    from caikit.config import env_name

    story.step("Tools: 12-factor configuration")
    story.say("Defaults come from YAML shipped with each distribution; configure() merges yours:")
    story.code("""
        caikit.configure(config_dict={"demo": {"greeting": "Hello", "repeat": 1}})
    """)
    caikit.configure(config_dict={"demo": {"greeting": "Hello", "repeat": 1}})
    story.say(f"get_config().demo  -> {dict(caikit.get_config().demo)}")
    variable = env_name(("demo", "repeat"))
    os.environ[variable] = "3"
    caikit.configure()  # re-reads the environment
    repeat = caikit.get_config().demo.repeat
    story.say(f"with {variable}=3 set in the environment -> demo.repeat = {repeat!r} ({type(repeat).__name__})")
    del os.environ[variable]
    caikit.configure()
    runtime = caikit.get_config().runtime
    story.say(
        f"every key has one: runtime.http.port = {runtime.http.port} "
        f"is overridden by {env_name(('runtime', 'http', 'port'))}"
    )
    if repeat != 3:
        raise RuntimeError(f"the environment override did not apply: demo.repeat = {repeat!r}")
    story.done()


def show_factory(story: Story) -> None:
    from caikit.core.toolkit.factory import Factory, FactoryConstructible, UnknownTypeError
    from caikit_compose import MQ_FACTORY

    story.step("Tools: factories build what the config names")

    class Notifier(FactoryConstructible):
        def __init__(self, config, instance_name: str):
            self.instance_name = instance_name
            self.prefix = config.prefix or ""

        def notify(self, text: str) -> str:
            return f"{self.prefix}{text}"

    class Shouting(Notifier):
        name = "SHOUT"

        def notify(self, text: str) -> str:
            return super().notify(text).upper() + "!"

    class Quiet(Notifier):
        name = "QUIET"

    factory = Factory("notifier")
    factory.register(Shouting)
    factory.register(Quiet)
    blob = {"type": "SHOUT", "config": {"prefix": "ticket: "}}
    notifier = factory.construct(blob)
    story.say(f"construct({blob})")
    story.say(f"  -> {type(notifier).__name__} named {notifier.instance_name!r}: {notifier.notify('hello')!r}")
    story.say("Plugins are entry points: caikit-compose's message-queue factory finds these installed:")
    for type_name, origin in sorted(MQ_FACTORY.available_types().items()):
        story.say(f"  {type_name:<6} {origin}")
    try:
        MQ_FACTORY.construct({"type": "KAFKA"})
    except UnknownTypeError as err:
        story.say("An unknown type says what is there instead:")
        story.say(textwrap.fill(str(err), WIDTH - 5, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False))
    else:
        raise RuntimeError("an unknown message-queue type was accepted")
    story.done()


# -- 2. data objects -------------------------------------------------------------------------


def make_ticket_class():
    from caikit.core.data_model import DataObjectBase, dataobject

    @dataobject(package="caikit_data_model.demo")
    class Ticket(DataObjectBase):
        """A support ticket: the pipeline's input."""

        text: str
        priority: int
        tags: List[str]

    return Ticket


def show_data_object(story: Story, Ticket) -> None:
    story.step("AI abstractions: a data object is a dataclass bound to protobuf and JSON")
    story.code("""
        @dataobject(package="caikit_data_model.demo")
        class Ticket(DataObjectBase):
            text: str
            priority: int
            tags: List[str]
    """)
    ticket = Ticket(text=TICKETS[0], priority=2, tags=["web", "eu"])
    story.say(f"to_json():  {ticket.to_json()}")
    proto = ticket.to_proto()
    story.say(f"to_proto(): a {type(proto).DESCRIPTOR.full_name} message")
    story.say(str(proto).rstrip(), indent=5)
    again = Ticket.from_proto(Ticket.from_json(ticket.to_json()).to_proto())
    if again != ticket:
        raise RuntimeError(f"round trip changed the ticket: {again!r}")
    story.say(f"from_json(to_json()) and from_proto(to_proto()) give back an equal object "
              f"({len(ticket.to_binary_buffer())} bytes on the wire)")
    story.done()


# -- 3. training -----------------------------------------------------------------------------


class CountingStream:
    """Wraps training records so the trainer's reads can be shown as progress."""

    def __init__(self, records: list) -> None:
        self.records = records
        self.read = 0

    def stream(self):
        from caikit.core.data_model import DataStream

        def generate() -> Iterator:
            for record in self.records:
                self.read = min(self.read + 1, len(self.records))
                yield record

        return DataStream(generate)


def train_models(story: Story, models_dir: pathlib.Path) -> None:
    import caikit
    from text_lib import (
        HashedNgramEmbedder,
        LexiconTokenClassifier,
        NaiveBayesClassifier,
        RegexTokenizer,
        datasets,
    )
    from text_lib.demo import CLASSIFIER_ID, EMBEDDER_ID, TAGGER_ID, TOKENIZER_ID

    story.step("Training the text_lib models (caikit.train: a background job per model)")
    story.say(f"dataset: {datasets.data_dir()} (52 support tickets)")
    jobs = [
        (CLASSIFIER_ID, NaiveBayesClassifier, CountingStream(datasets.classification_records())),
        (TOKENIZER_ID, RegexTokenizer, None),
        (TAGGER_ID, LexiconTokenClassifier, CountingStream(datasets.entity_records())),
        (EMBEDDER_ID, HashedNgramEmbedder, CountingStream(datasets.texts())),
    ]
    interactive = sys.stdout.isatty()
    for number, (model_id, module_class, records) in enumerate(jobs, 1):
        started = time.monotonic()
        kwargs = {"training_data": records.stream()} if records else {}
        future = caikit.train(module_class, save_path=str(models_dir / model_id), **kwargs)
        total = len(records.records) if records else 1
        label = f"[{number}/{len(jobs)}] {model_id:<17} {module_class.__name__:<22}"
        while True:
            try:
                future.wait(timeout=0.05)
                break
            except TimeoutError:
                if interactive and records:
                    print(f"\r   {label} {progress_bar(records.read, total)} {records.read}/{total}", end="", flush=True)
        status = future.status
        if status.name != "COMPLETED":
            raise RuntimeError(f"training {model_id} ended {status.name}: {future.reasons}")
        unit = f"{total} records" if records else "no data"
        print(f"{chr(13) if interactive else ''}   {label} {progress_bar(1, 1)} {unit:<11} "
              f"{time.monotonic() - started:.2f} s")
    saved = sorted(p.name for p in models_dir.iterdir())
    story.say(f"saved in {models_dir}: {', '.join(saved)}")
    story.done()


# -- 4. serving ------------------------------------------------------------------------------


class Runtime:
    """``python -m caikit.runtime`` in a subprocess, configured only by environment variables."""

    def __init__(self, models_dir: pathlib.Path, log_path: pathlib.Path) -> None:
        self.grpc_port, self.http_port, self.metrics_port = free_port(), free_port(), free_port()
        self.env = {
            "RUNTIME_LIBRARY": "text_lib",
            "RUNTIME_LOCAL_MODELS_DIR": str(models_dir),
            "RUNTIME_GRPC_PORT": str(self.grpc_port),
            "RUNTIME_HTTP_PORT": str(self.http_port),
            "RUNTIME_METRICS_PORT": str(self.metrics_port),
            "LOG_LEVEL": "warning",
        }
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None

    @property
    def command(self) -> str:
        settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return f"{settings} python -m caikit.runtime"

    def start(self) -> float:
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "caikit.runtime"],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the runtime exited with {self.process.returncode} while starting; "
                    f"its log:\n{self.log_path.read_text(errors='replace')[-3000:]}"
                )
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url("/health"), timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            if time.monotonic() > deadline:
                raise TimeoutError(f"the runtime did not answer /health within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    def stop(self) -> Optional[int]:
        """SIGTERM, as a process manager would; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError("the runtime did not stop within 30 s of SIGTERM; killed it") from None


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode())
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"POST {url} -> {err.code}: {err.read().decode(errors='replace')}") from None


def compact_json(value: dict) -> str:
    """JSON with one line per list item: readable, and still valid JSON."""
    lines = []
    for key, item in value.items():
        if isinstance(item, list) and item:
            inner = ",\n".join("  " + json.dumps(element) for element in item)
            lines.append(f"{json.dumps(key)}: [\n{inner}\n]")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(item)}")
    return "{" + ",\n".join(lines) + "}"


def call_http(story: Story, runtime: Runtime) -> str:
    story.step("A request over HTTP")
    body = {"model_id": "ticket-classifier", "inputs": TICKETS[0]}
    path = "/api/v1/task/text-classification"
    story.say("The curl equivalent of what the demo sends:")
    story.say(
        f"curl -s -X POST {runtime.url(path)} \\\n"
        f"     -H 'Content-Type: application/json' \\\n"
        f"     -d '{json.dumps(body)}'",
        indent=5,
    )
    answer = post_json(runtime.url(path), body)
    story.say("Response:")
    story.say(compact_json(answer), indent=5)
    label = answer["results"][0]["label"]
    with urllib.request.urlopen(runtime.url("/info/models"), timeout=10) as response:
        loaded = sorted(m["name"] for m in json.loads(response.read().decode())["models"] if m.get("loaded"))
    story.say(f"GET /info/models: loaded {', '.join(loaded)}")
    story.say(f"OpenAPI: {runtime.url('/openapi.json')}  (Swagger UI at /docs)")
    story.done(f"top label {label!r}")
    return label


def call_grpc(story: Story, runtime: Runtime) -> str:
    import caikit
    import grpc
    from caikit.core.toolkit.logging import configure_logging
    from caikit.interfaces.nlp.data_model import ClassificationResults
    from caikit.runtime.grpc_server.service_package import make_service_package
    from caikit.runtime.service_generation import get_services

    story.step("A request over gRPC, with a client generated from the same modules")
    story.say("The client generates the service the server generated (same config, same library):")
    story.code("""
        caikit.configure(config_dict={"runtime": {"library": "text_lib"}})
        service = make_service_package(get_services().inference)
        stub = service.stub_class(grpc.insecure_channel("localhost:PORT"))
        stub.TextClassificationTaskPredict(
            service.messages.TextClassificationTaskRequest(text=...),
            metadata=[("mm-model-id", "ticket-classifier")])
    """)
    caikit.configure(config_dict={"runtime": {"library": "text_lib"}, "log": {"level": "error"}})
    configure_logging()  # the demo's own process: errors only
    service = make_service_package(get_services().inference)
    story.say(f"service {service.service}: {len(service.caikit_rpcs)} RPCs, e.g. "
              f"{', '.join(sorted(service.caikit_rpcs)[:3])}, ...")
    with grpc.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:
        stub = service.stub_class(channel)
        response = stub.TextClassificationTaskPredict(
            service.messages.TextClassificationTaskRequest(text=TICKETS[0]),
            metadata=[("mm-model-id", "ticket-classifier")],
            timeout=30,
        )
        results = ClassificationResults.from_proto(response)
        story.say(f"TextClassificationTaskPredict -> {results.results[0].label} "
                  f"({results.results[0].score:.3f}), the same answer as over HTTP")
        chunks = ["Where is my pa", "rcel? It was due", " on March 3."]
        streamed = stub.BidiStreamingTokenizationTaskPredict(
            iter(service.messages.BidiStreamingTokenizationTaskRequest(text_stream=c) for c in chunks),
            metadata=[("mm-model-id", "tokenizer")],
            timeout=30,
        )
        tokens = [token.text for item in streamed for token in item.results]
        story.say(f"BidiStreamingTokenizationTaskPredict, text sent in 3 chunks {chunks}:")
        story.say(f"  tokens streamed back: {tokens}")
    show_metrics(story, runtime)
    story.done(f"top label {results.results[0].label!r}")
    return results.results[0].label


def show_metrics(story: Story, runtime: Runtime) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{runtime.metrics_port}/metrics", timeout=10) as response:
        text = response.read().decode()
    counts = [line for line in text.splitlines() if line.startswith("predict_rpc_count")]
    story.say("Prometheus metrics (both servers count into one registry):")
    for line in counts[:4]:
        story.say(line, indent=5)


# -- 6. compose ------------------------------------------------------------------------------


def run_pipeline(story: Story, Ticket, models_dir: pathlib.Path, out: pathlib.Path) -> Dict[str, str]:
    import caikit
    from caikit.interfaces.nlp.data_model import ClassificationResults, TokenClassificationResults
    from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, Message, SubscriptionManager
    from caikit_compose.actors.model_actor import ModelActor
    from caikit_compose.graph import render

    story.step("caikit-compose: the models as actors on a message queue")
    classifier = caikit.load(str(models_dir / "ticket-classifier"))
    tagger = caikit.load(str(models_dir / "entity-tagger"))
    story.say(f"caikit.load() -> {type(classifier).__name__}, {type(tagger).__name__}")
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic(Ticket.full_name)
    # both models take `text: str`: request_type lets one Ticket topic feed them both
    ModelActor(classifier, actor_id="classifier", request_type=Ticket).subscribe(mq, gs)
    ModelActor(tagger, ["run"], actor_id="tagger", request_type=Ticket).subscribe(mq, gs)

    answers: Dict[str, str] = {}

    def report(message: Message) -> None:
        by_type = {m.header.content_type: m.unwrapped for m in message.unwrapped.messages}
        top = by_type[ClassificationResults.full_name].results[0]
        entities = [f"{e.entity}:{e.word}" for e in by_type[TokenClassificationResults.full_name].results]
        answers[message.header.data_id] = top.label
        story.say(f"{message.header.data_id}  {top.label:<9} {top.score:.2f}  "
                  f"{', '.join(entities) or '-':<32} prio={message.metadata.get('priority')}")

    report.output_topics = []  # type: ignore[attr-defined]  # for the diagram: prints only
    SubscriptionManager(
        "report", mq, gs, report,
        [ClassificationResults.full_name, TokenClassificationResults.full_name], "KEY_GROUPING",
    )
    story.say("Ticket -> classifier, tagger -> KEY_GROUPING by data_id -> report:")
    for number, text in enumerate(TICKETS):
        ticket = Ticket(text=text, priority=number % 3, tags=[])
        mq.publish(Ticket.full_name, Message.from_data(ticket, data_id=f"ticket-{number}",
                                                       metadata={"priority": ticket.priority}))
    mq.shutdown()
    svg = pathlib.Path(render(mq, str(out / "pipeline.svg"), title="demo pipeline"))
    dot = pathlib.Path(render(mq, str(out / "pipeline.dot"), title="demo pipeline"))
    story.say(f"diagram: {svg}  (Graphviz source: {dot.name})")
    if len(answers) != len(TICKETS):
        raise RuntimeError(f"expected {len(TICKETS)} joined answers, got {answers}")
    story.done(f"{len(answers)} tickets answered by both models")
    return answers


# -- main ------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[2:]))
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="directory for the models, the runtime log and the diagram "
                             "(default: a new temporary directory, kept)")
    args = parser.parse_args(argv)
    out = args.out or pathlib.Path(tempfile.mkdtemp(prefix="caikit-demo-"))
    out.mkdir(parents=True, exist_ok=True)

    story = Story()
    print("caikit demo: the layers one at a time (every step is timed)")
    print(f"output directory: {out}")
    try:
        run(story, out)
    except Exception as err:  # one clear message instead of a traceback
        print()
        print(f"The demo failed at step {story.number} ({type(err).__name__}): {err}", file=sys.stderr)
        print(f"Its files are in {out}", file=sys.stderr)
        return 1
    print()
    print(f"All steps passed in {time.monotonic() - story.started:.1f} s. "
          f"Models, runtime.log and pipeline.svg are in {out}")
    print("Next: README.md (write, serve, call and compose your own module) and docs/.")
    return 0


def run(story: Story, out: pathlib.Path) -> None:
    """Every step, in order; raises on the first one that does not give the expected answer."""
    models_dir = out / "models"
    show_config(story)
    show_factory(story)
    Ticket = make_ticket_class()
    show_data_object(story, Ticket)
    train_models(story, models_dir)

    story.step("Serving the models: python -m caikit.runtime")
    runtime = Runtime(models_dir, out / "runtime.log")
    story.say("The demo runs (free ports, configured by environment variables only):")
    story.say(runtime.command, indent=5)
    try:
        seconds = runtime.start()
        story.say(f"gRPC on :{runtime.grpc_port}, HTTP on :{runtime.http_port}, "
                  f"metrics on :{runtime.metrics_port}; answering /health after {seconds:.1f} s")
        story.say(f"its log: {runtime.log_path}")
        story.done()
        http_label = call_http(story, runtime)
        grpc_label = call_grpc(story, runtime)
        if http_label != grpc_label:
            raise RuntimeError(f"HTTP said {http_label!r} but gRPC said {grpc_label!r}")
        story.step("Stopping the runtime (SIGTERM: refuse new calls, finish those in flight)")
        status = runtime.stop()
        if status != 0:
            raise RuntimeError(f"the runtime exited with {status}; see {runtime.log_path}")
        story.say(f"exit status {status}")
        story.done()
    finally:
        runtime.stop()  # no-op unless a step failed

    run_pipeline(story, Ticket, models_dir, out)


if __name__ == "__main__":
    sys.exit(main())
