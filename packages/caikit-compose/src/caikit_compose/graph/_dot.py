"""Graphviz DOT text for an :class:`~caikit_compose.graph._model.AppGraph`."""
from __future__ import annotations

from ._model import AppGraph

__all__ = ["to_dot"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def short_topic(topic: str) -> str:
    """A topic label: the last part of a dotted full name, with the package below."""
    package, _, name = topic.rpartition(".")
    return f"{name}\n{package}" if package else topic


def subscriber_label(sub) -> str:
    """The text of a subscriber node."""
    lines = [sub.label]
    if sub.replicas > 1:
        lines[0] += f"  ({sub.replicas} replicas)"
    if sub.group_id:
        lines.append(f"group {sub.group_id}")
    if sub.detail:
        lines.append(sub.detail)
    return "\n".join(lines)


def to_dot(graph: AppGraph) -> str:
    """Render ``graph`` as Graphviz DOT (topics as ellipses, actors as boxes, edges labelled
    with the grouping that feeds each actor)."""
    lines = [
        "digraph caikit_compose {",
        "  rankdir=LR;",
        f"  label={_quote(graph.title)}; labelloc=t; fontname=Helvetica;",
        '  node [fontname=Helvetica, fontsize=11];',
        '  edge [fontname=Helvetica, fontsize=9, color="#555555"];',
    ]
    for topic in graph.topics:
        lines.append(
            f"  {_quote(graph.topic_id(topic))} [shape=ellipse, style=filled, "
            f'fillcolor="#e8f1fb", label={_quote(short_topic(topic))}];'
        )
    for sub in graph.subscribers:
        lines.append(
            f"  {_quote(sub.node_id)} [shape=box, style=\"rounded,filled\", "
            f'fillcolor="#fdf3e1", label={_quote(subscriber_label(sub))}];'
        )
    for edge in graph.edges:
        label = f" [label={_quote(edge.label)}]" if edge.label else ""
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"
