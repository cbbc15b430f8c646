"""The application of the Redis deployment example: documents in, word statistics and reports out.

::

    Document ──► WordCounter (ModelActor, INDIVIDUAL) ──► WordStats ─┐ KEY_GROUPING
        └───────────────────────────────────────────────────────────┤ (by data_id)
                                                                     ▼
                                     Report ◄── Reporter (ModelActor, two inputs)

Every worker process runs both actors. Their subscription ids are stable, so the actors of all
workers form one consumer group each on Redis and share the documents: each document is counted
once and reported once, by whichever worker got it. The reporter's partial groups (a document
waiting for its statistics) live in the REDIS group store, so the two halves of one report may
be handled by different workers.

The configuration comes from the environment, as in a container:

``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), ``REDIS_PASSWORD`` (optional; overrides
the URL's), ``COMPOSE_NAMESPACE`` (default ``redis-example``), ``COMPOSE_CONSUMERS`` (readers
per subscription in each worker, default ``4``: the reporter waits on the group store, so a few
readers keep a worker busy).
"""
from __future__ import annotations

import collections
import os
import socket
from typing import Any, Dict, List, Tuple

from caikit.core import ModuleBase, TaskBase, module, task
from caikit.core.data_model import DataObjectBase, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY
from caikit_compose.actors.model_actor import ModelActor

PACKAGE = "caikit_data_model.redis_example"
WORKER = f"{socket.gethostname()}-{os.getpid()}"


@dataobject(package=PACKAGE)
class Document(DataObjectBase):
    """An incoming document (the application's input topic)."""

    text: str


@dataobject(package=PACKAGE)
class WordStats(DataObjectBase):
    """Word statistics of one document, and which worker computed them."""

    words: int
    top_word: str
    worker: str


@dataobject(package=PACKAGE)
class Report(DataObjectBase):
    """A document with its statistics, and which worker assembled it."""

    preview: str
    words: int
    top_word: str
    counted_by: str
    reported_by: str


@task(unary_parameters={"text": str}, unary_output_type=WordStats)
class WordStatsTask(TaskBase):
    """Count the words of a text."""


@task(unary_parameters={"document": Document, "stats": WordStats}, unary_output_type=Report)
class ReportTask(TaskBase):
    """Combine a document with its statistics."""


@module("redis-example-word-counter", "Word counter", "0.0.1", task=WordStatsTask)
class WordCounter(ModuleBase):
    """Counts words and finds the most frequent one."""

    def run(self, text: str) -> WordStats:
        words = [w.strip(".,;:!?").lower() for w in text.split()]
        words = [w for w in words if w]
        top = collections.Counter(words).most_common(1)
        return WordStats(words=len(words), top_word=top[0][0] if top else "", worker=WORKER)


@module("redis-example-reporter", "Reporter", "0.0.1", task=ReportTask)
class Reporter(ModuleBase):
    """Joins a document and its statistics into a report."""

    def run(self, document: Document, stats: WordStats) -> Report:
        return Report(
            preview=document.text[:40],
            words=stats.words,
            top_word=stats.top_word,
            counted_by=stats.worker,
            reported_by=WORKER,
        )


def redis_config() -> Dict[str, Any]:
    """The REDIS ``config`` section from the environment."""
    config: Dict[str, Any] = {
        "url": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "namespace": os.environ.get("COMPOSE_NAMESPACE", "redis-example"),
        "consumers": int(os.environ.get("COMPOSE_CONSUMERS", "4")),
    }
    if os.environ.get("REDIS_PASSWORD"):
        config["password"] = os.environ["REDIS_PASSWORD"]
    return config


def connect() -> Tuple[Any, Any]:
    """The REDIS message queue and group store, with the application's topics created."""
    config = redis_config()
    mq = MQ_FACTORY.construct({"type": "REDIS", "config": config})
    gs = GROUP_STORE_FACTORY.construct({"type": "REDIS", "config": config})
    for data_object in (Document, WordStats, Report):
        mq.create_topic(data_object.full_name)
    return mq, gs


def start_actors(mq: Any, gs: Any) -> List[ModelActor]:
    """Subscribe this process's replicas of the two actors."""
    actors = [
        ModelActor(WordCounter(), actor_id="counter", request_type=Document),
        ModelActor(Reporter(), actor_id="reporter"),
    ]
    for actor in actors:
        actor.subscribe(mq, gs)
    return actors


SAMPLE_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Redis streams give every consumer group each message once.",
    "A realtime application is built from actors on a message queue.",
    "Workers share the work; the group store shares the partial groups.",
    "Kubernetes runs the workers as a Deployment with replicas.",
]


def document(number: int) -> str:
    """The text of document ``number`` (deterministic)."""
    return f"{SAMPLE_TEXTS[number % len(SAMPLE_TEXTS)]} Document number {number}."
