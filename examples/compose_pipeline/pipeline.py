"""A realtime support-ticket pipeline built with caikit-compose and the text_lib models.

::

    Ticket ──► ticket classifier (NaiveBayesClassifier) ──► ClassificationResults ─┐
          └──► entity tagger (LexiconTokenClassifier)  ──► TokenClassificationResults ─┤ KEY_GROUPING
                                                                                       ▼  (by data_id)
                                            TicketSummary ◄── TicketSummarizer (a caikit module)
                                                  │ COUNT_GROUPING (window 5, stride 1)
                                                  ▼
                                            TrendActor ──► TicketTrend

Every ticket is published once, with its own ``data_id``; the two models answer in parallel,
the summarizer receives both answers for one ticket together (KEY_GROUPING keeps the ``data_id``
and merges metadata), and the trend actor sees sliding windows of the last five summaries.

Run it::

    python examples/compose_pipeline/pipeline.py                 # stream the 52 tickets
    python examples/compose_pipeline/pipeline.py --threads 4     # same results on 4 workers
    python -m caikit_compose.graph examples/compose_pipeline/pipeline.py:build -o pipeline.svg
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import random
import threading
from typing import Dict, List, Optional

from caikit.core import ModuleBase, TaskBase, module, task
from caikit.core.data_model import DataObjectBase, DataStream, dataobject
from caikit.interfaces.nlp.data_model import ClassificationResults, TokenClassificationResults
from caikit_compose import (
    GROUP_STORE_FACTORY,
    MQ_FACTORY,
    ActorBase,
    Message,
    MessageQueueBase,
    SubscriptionManager,
)
from caikit_compose.actors.model_actor import ModelActor
from text_lib import LexiconTokenClassifier, NaiveBayesClassifier, datasets

PACKAGE = "caikit_data_model.ticket_pipeline"


@dataobject(package=PACKAGE)
class Ticket(DataObjectBase):
    """An incoming support ticket (the pipeline's input topic)."""

    text: str


@dataobject(package=PACKAGE)
class TicketSummary(DataObjectBase):
    """What the pipeline knows about one ticket."""

    label: str
    score: float
    entities: List[str]


@dataobject(package=PACKAGE)
class TicketTrend(DataObjectBase):
    """The mix of labels over the last few tickets."""

    window: int
    counts: Dict[str, int]
    dominant: str
    first_data_id: str
    last_data_id: str


@task(
    unary_parameters={
        "classification": ClassificationResults,
        "entities": TokenClassificationResults,
    },
    unary_output_type=TicketSummary,
)
class SummarizeTicketTask(TaskBase):
    """Combine a ticket's classification and its entities."""


@module("ticket-summarizer", "Ticket summarizer", "0.0.1", task=SummarizeTicketTask)
class TicketSummarizer(ModuleBase):
    """Keeps the top label and the entity phrases of a ticket."""

    def run(
        self, classification: ClassificationResults, entities: TokenClassificationResults
    ) -> TicketSummary:
        top = max(classification.results, key=lambda r: r.score)
        words = [f"{e.entity}:{e.word}" for e in entities.results]
        return TicketSummary(label=top.label, score=top.score, entities=words)


class TrendActor(ActorBase):
    """Publishes a :class:`TicketTrend` for every window of ``window`` ticket summaries."""

    def __init__(self, window: int = 5, actor_id: str = "trend"):
        self.window = window
        self.actor_id = actor_id
        # read by the graph renderer: what this actor publishes
        self.output_topics = [TicketTrend.full_name]
        self._mq: Optional[MessageQueueBase] = None

    def subscribe(self, mq: MessageQueueBase, gs, **grouping_config) -> SubscriptionManager:
        """Subscribe to summaries in sliding windows (COUNT_GROUPING, stride 1)."""
        self._mq = mq
        mq.create_topic(TicketSummary.full_name)
        mq.create_topic(TicketTrend.full_name)
        config = {"window_size": self.window, "window_stride": 1, **grouping_config}
        return SubscriptionManager(
            self.actor_id, mq, gs, self.on_window, TicketSummary.full_name, "COUNT_GROUPING",
            config,
        )

    def on_window(self, message: Message) -> None:
        """Count the labels of one window and publish the trend."""
        summaries = [element.messages[0] for element in message.unwrapped.series]
        counts = collections.Counter(m.unwrapped.label for m in summaries)
        trend = TicketTrend(
            window=len(summaries),
            counts=dict(counts),
            dominant=counts.most_common(1)[0][0],
            first_data_id=summaries[0].header.data_id,
            last_data_id=summaries[-1].header.data_id,
        )
        self._mq.publish(
            TicketTrend.full_name,
            Message.from_data(trend, data_id=message.header.data_id, metadata=message.metadata),
        )

    on_window.output_topics = [TicketTrend.full_name]  # type: ignore[attr-defined]


@dataclasses.dataclass
class App:
    """The running pipeline."""

    mq: MessageQueueBase
    gs: object
    actors: list

    def submit(self, text: str, data_id: str, **metadata) -> None:
        """Publish one ticket."""
        self.mq.publish(
            Ticket.full_name, Message.from_data(Ticket(text=text), data_id=data_id, metadata=metadata)
        )


def train_models():
    """Train the two text_lib models on the shipped dataset (a fraction of a second)."""
    classifier = NaiveBayesClassifier.train(
        DataStream.from_iterable(datasets.classification_records())
    )
    tagger = LexiconTokenClassifier.train(DataStream.from_iterable(datasets.entity_records()))
    return classifier, tagger


def build(threads: int = 0, window: int = 5, models=None) -> App:
    """Create the queue, the store and the actors, and wire them up.

    Args:
        threads: 0 for synchronous dispatch, N for N worker threads
        window: tickets per trend window
        models: ``(classifier, tagger)``; trained on the shipped dataset when omitted
    """
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    classifier, tagger = models or train_models()
    mq.create_topic(Ticket.full_name)
    actors = [
        # both models take ``text: str``: one Ticket topic feeds them both
        ModelActor(classifier, actor_id="classifier", request_type=Ticket),
        ModelActor(tagger, ["run"], actor_id="tagger", request_type=Ticket),
        ModelActor(TicketSummarizer(), actor_id="summarizer"),
        TrendActor(window),
    ]
    for actor in actors:
        actor.subscribe(mq, gs)
    return App(mq, gs, actors)


def main(argv=None) -> int:
    """Stream the dataset's tickets through the pipeline and print what comes out."""
    parser = argparse.ArgumentParser(description="Stream support tickets through the pipeline.")
    parser.add_argument("--threads", type=int, default=0, help="worker threads (0: synchronous)")
    parser.add_argument("--window", type=int, default=5, help="tickets per trend window")
    parser.add_argument("--graph", help="also write a diagram of the pipeline (.svg or .dot)")
    args = parser.parse_args(argv)

    app = build(args.threads, args.window)
    lock = threading.Lock()
    summaries: Dict[str, TicketSummary] = {}
    trends: List[TicketTrend] = []

    def on_summary(msg: Message) -> None:
        with lock:
            summaries[msg.header.data_id] = msg.unwrapped

    def on_trend(msg: Message) -> None:
        with lock:
            trends.append(msg.unwrapped)

    app.mq.subscribe(TicketSummary.full_name, "printer", on_summary)
    app.mq.subscribe(TicketTrend.full_name, "printer", on_trend)
    if args.graph:
        from caikit_compose.graph import render  # pylint: disable=import-outside-toplevel

        render(app.mq, args.graph, title="support-ticket pipeline")

    # the dataset is grouped by label; a fixed shuffle makes the trends move
    tickets = random.Random(7).sample(datasets.texts(), k=len(datasets.texts()))
    for number, text in enumerate(tickets):
        app.submit(text, data_id=f"ticket-{number:02d}", source="dataset")
    app.mq.shutdown()  # drains the worker pool, if any

    for number, text in enumerate(tickets):
        summary = summaries[f"ticket-{number:02d}"]
        entities = ", ".join(summary.entities) or "-"
        print(f"ticket-{number:02d} {summary.label:<9} {summary.score:.2f}  {entities}  | {text}")
    print()
    for trend in trends:
        mix = " ".join(f"{k}={v}" for k, v in sorted(trend.counts.items()))
        print(f"{trend.first_data_id}..{trend.last_data_id}: {trend.dominant:<9} ({mix})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
