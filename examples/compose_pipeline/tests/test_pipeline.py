"""The support-ticket pipeline gives the same, complete answers in every dispatch mode."""
import importlib.util
import pathlib
import sys
import threading

import pytest

HERE = pathlib.Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location("ticket_pipeline", HERE / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ticket_pipeline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


pipeline = _load()
MODELS = pipeline.train_models()


@pytest.mark.parametrize("threads", [0, 4])
def test_every_ticket_is_summarized_once_and_trends_slide(threads):
    from text_lib import datasets

    app = pipeline.build(threads=threads, window=5, models=MODELS)
    lock = threading.Lock()
    summaries, trends = [], []

    def keep(bucket):
        def handler(msg):
            with lock:
                bucket.append(msg)

        return handler

    app.mq.subscribe(pipeline.TicketSummary.full_name, "test", keep(summaries))
    app.mq.subscribe(pipeline.TicketTrend.full_name, "test", keep(trends))
    texts = datasets.texts()
    for number, text in enumerate(texts):
        app.submit(text, data_id=f"t{number}", channel="email")
    app.mq.shutdown()
    assert app.mq.handler_errors == 0

    classifier, tagger = MODELS
    by_id = {m.header.data_id: m for m in summaries}
    assert sorted(by_id) == sorted(f"t{n}" for n in range(len(texts)))
    for number, text in enumerate(texts):
        msg = by_id[f"t{number}"]
        expected = max(classifier.run(text).results, key=lambda r: r.score).label
        assert msg.unwrapped.label == expected
        assert len(msg.unwrapped.entities) == len(tagger.run(text).results)
        assert msg.metadata == {"channel": "email"}  # lineage through KEY_GROUPING
    assert len(trends) == len(texts) - 5 + 1
    assert all(t.unwrapped.window == 5 and sum(t.unwrapped.counts.values()) == 5 for t in trends)


def test_replicated_summarizer_shares_the_work():
    app = pipeline.build(threads=2, models=MODELS)
    # a second replica of the summarizer joins the same consumer group
    extra = pipeline.ModelActor(pipeline.TicketSummarizer(), actor_id="summarizer")
    extra.subscribe(app.mq, app.gs)
    got = []
    lock = threading.Lock()
    app.mq.subscribe(pipeline.TicketSummary.full_name, "test",
                     lambda m: (lock.acquire(), got.append(m), lock.release()))
    for number in range(20):
        app.submit("I was charged twice for my Nimbus Router order", data_id=str(number))
    app.mq.shutdown()
    assert sorted(int(m.header.data_id) for m in got) == list(range(20))


def test_main_prints_the_run(capsys):
    assert pipeline.main([]) == 0
    out = capsys.readouterr().out
    assert out.count("ticket-") >= 52
    assert "..ticket-" in out


def test_graph_of_the_pipeline(tmp_path):
    from caikit_compose.graph import describe, render

    app = pipeline.build(models=MODELS)
    graph = describe(app.mq)
    groupings = {s.label: s.grouping for s in graph.subscribers}
    assert groupings["TicketSummarizer.run"] == "KEY_GROUPING"
    assert groupings["TrendActor.on_window"] == "COUNT_GROUPING"
    assert render(app.mq, str(tmp_path / "pipeline.svg"))
