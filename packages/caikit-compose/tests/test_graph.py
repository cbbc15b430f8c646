"""The application diagram: description, DOT, SVG and the command line."""
import shutil
import textwrap
import xml.etree.ElementTree as ET

import pytest
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, SubscriptionManager
from caikit_compose.graph import describe, render, to_dot, to_svg
from caikit_compose.graph.__main__ import main

APP = '''
from caikit.core.data_model import DataObjectBase, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, SubscriptionManager


@dataobject(package="graph_cli_app")
class In(DataObjectBase):
    x: int


def build():
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic(In.full_name)
    def window(msg):
        pass
    window.output_topics = ["graph_cli_app.Trend"]
    SubscriptionManager("trend", mq, gs, window, In.full_name, "COUNT_GROUPING",
                        {"window_size": 3})
    return mq
'''


@pytest.fixture
def app(types):
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    text, number = types.Text.full_name, types.Number.full_name
    for topic in (text, number):
        mq.create_topic(topic)

    def combine(msg):
        pass

    combine.output_topics = [types.Words.full_name]
    SubscriptionManager("combine", mq, gs, combine, [text, number], "KEY_GROUPING")
    SubscriptionManager("combine", mq, gs, combine, [text, number], "KEY_GROUPING")  # replica

    def count_words(msg):
        pass

    count_words.output_topics = [number]
    SubscriptionManager("count", mq, gs, count_words, text, "INDIVIDUAL")
    mq.subscribe(types.Words.full_name, "printer", print)
    return mq


def test_describe(app, types):
    graph = describe(app, "demo")
    assert graph.title == "demo"
    assert types.Words.full_name in graph.topics
    by_label = {s.label: s for s in graph.subscribers}
    combine = by_label["app.<locals>.combine".replace(".<locals>", "")]
    assert combine.grouping == "KEY_GROUPING" and combine.replicas == 2
    assert combine.detail == "match header.data_id"
    assert sorted(combine.inputs) == sorted([types.Text.full_name, types.Number.full_name])
    assert combine.outputs == [types.Words.full_name]
    assert by_label["print"].grouping is None
    edges = {(e.source, e.target, e.label) for e in graph.edges}
    assert (graph.topic_id(types.Text.full_name), combine.node_id, "KEY_GROUPING") in edges
    assert (combine.node_id, graph.topic_id(types.Words.full_name), "") in edges


def test_dot_and_svg(app, types):
    graph = describe(app)
    dot = to_dot(graph)
    assert dot.startswith("digraph caikit_compose {") and dot.rstrip().endswith("}")
    assert '"KEY_GROUPING"' in dot and "(2 replicas)" in dot
    svg = to_svg(graph)
    root = ET.fromstring(svg)  # well-formed
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "Words" in texts and "KEY_GROUPING" in texts and "combine" in texts


def test_cycles_are_drawn(types):
    mq = MQ_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic("loop")

    def again(msg):
        pass

    again.output_topics = ["loop"]
    mq.subscribe("loop", "g", again)
    ET.fromstring(to_svg(describe(mq)))


def test_render_files(app, tmp_path):
    assert render(app, str(tmp_path / "a.svg")).endswith("a.svg")
    ET.parse(tmp_path / "a.svg")
    render(app, str(tmp_path / "a.dot"))
    assert (tmp_path / "a.dot").read_text().startswith("digraph")
    with pytest.raises(ValueError):
        render(app, str(tmp_path / "a.gif"))
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="graphviz"):
            render(app, str(tmp_path / "a.png"))


def test_command_line(tmp_path, capsys):
    app_file = tmp_path / "graph_cli_app.py"
    app_file.write_text(textwrap.dedent(APP))
    out = tmp_path / "app.svg"
    assert main([f"{app_file}:build", "-o", str(out), "--title", "cli"]) == 0
    assert "COUNT_GROUPING" in out.read_text() and "window 3, stride 1" in out.read_text()
    assert main([f"{app_file}:build"]) == 0
    assert "digraph" in capsys.readouterr().out
    assert main([f"{app_file}:nothing"]) == 2
    assert main(["no-colon"]) == 2
