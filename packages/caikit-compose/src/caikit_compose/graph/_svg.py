"""A self-contained SVG drawing of an :class:`~caikit_compose.graph._model.AppGraph`.

No Graphviz needed: a small layered layout (ranks by longest path from the sources, cycles
broken at back edges, a few barycentre sweeps to reduce crossings) drawn left to right, topics
as ellipses and actors as rounded boxes, edges as curves labelled with their grouping.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Set, Tuple
from xml.sax.saxutils import escape

from ._dot import short_topic, subscriber_label
from ._model import AppGraph

__all__ = ["layout", "to_svg"]

_CHAR_W = 6.4  # average glyph width of 11px bold Helvetica
_SMALL_CHAR_W = 4.9  # ... of 9px Helvetica
_LINE_H = 15.0
_PAD_X = 14.0
_PAD_Y = 9.0
_COL_GAP = 90.0
_ROW_GAP = 22.0
_MARGIN = 24.0
_TITLE_H = 30.0


@dataclasses.dataclass
class _Box:
    node_id: str
    kind: str  # "topic" | "actor"
    lines: List[str]
    width: float
    height: float
    rank: int = 0
    x: float = 0.0
    y: float = 0.0


def _box(node_id: str, kind: str, text: str) -> _Box:
    lines = text.split("\n")
    width = max(
        len(line) * (_CHAR_W if i == 0 else _SMALL_CHAR_W) for i, line in enumerate(lines)
    ) + 2 * _PAD_X
    if kind == "topic":
        width *= 1.12  # an ellipse needs room around the text
    height = len(lines) * _LINE_H + 2 * _PAD_Y
    return _Box(node_id, kind, lines, width, height)


def _ranks(nodes: List[str], edges: List[Tuple[str, str]]) -> Tuple[Dict[str, int], Set[Tuple[str, str]]]:
    """Longest-path ranks over the graph without its back edges (found by DFS)."""
    succ: Dict[str, List[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    back: Set[Tuple[str, str]] = set()
    state: Dict[str, int] = {}

    def visit(start: str) -> None:
        stack = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                stack.pop()

    indegree = {n: 0 for n in nodes}
    for _, b in edges:
        indegree[b] += 1
    for node in sorted(nodes, key=lambda n: (indegree[n] != 0, nodes.index(n))):
        if node not in state:
            visit(node)
    forward = [(a, b) for a, b in edges if (a, b) not in back]
    preds: Dict[str, List[str]] = {n: [] for n in nodes}
    for a, b in forward:
        preds[b].append(a)
    rank: Dict[str, int] = {}

    def rank_of(node: str) -> int:
        if node not in rank:
            rank[node] = 0  # guard; the forward graph is acyclic
            rank[node] = max((rank_of(p) + 1 for p in preds[node]), default=0)
        return rank[node]

    for node in nodes:
        rank_of(node)
    return rank, back


def layout(graph: AppGraph) -> Tuple[Dict[str, _Box], Set[Tuple[str, str]], float, float]:
    """Place every node; return the boxes, the back edges and the drawing's size."""
    boxes: Dict[str, _Box] = {}
    for topic in graph.topics:
        boxes[graph.topic_id(topic)] = _box(graph.topic_id(topic), "topic", short_topic(topic))
    for sub in graph.subscribers:
        boxes[sub.node_id] = _box(sub.node_id, "actor", subscriber_label(sub))
    nodes = list(boxes)
    edges = [(e.source, e.target) for e in graph.edges]
    ranks, back = _ranks(nodes, edges)
    columns: Dict[int, List[str]] = {}
    for node in nodes:
        boxes[node].rank = ranks[node]
        columns.setdefault(ranks[node], []).append(node)
    preds: Dict[str, List[str]] = {n: [] for n in nodes}
    for a, b in edges:
        if (a, b) not in back:
            preds[b].append(a)
    # barycentre sweeps: order each column by the mean position of its predecessors
    for _ in range(4):
        position = {n: i for col in columns.values() for i, n in enumerate(col)}
        for r in sorted(columns)[1:]:
            col = columns[r]
            here = {n: i for i, n in enumerate(col)}
            centres = {}
            for n in col:
                ps = [position[p] for p in preds[n] if p in position]
                centres[n] = sum(ps) / len(ps) if ps else here[n]
            col.sort(key=centres.__getitem__)
            position.update({n: i for i, n in enumerate(col)})
    heights = {
        r: sum(boxes[n].height for n in col) + _ROW_GAP * (len(col) - 1)
        for r, col in columns.items()
    }
    total_h = max(heights.values(), default=0.0)
    x = _MARGIN
    for r in sorted(columns):
        col = columns[r]
        width = max(boxes[n].width for n in col)
        y = _MARGIN + _TITLE_H + (total_h - heights[r]) / 2
        for n in col:
            box = boxes[n]
            box.x = x + (width - box.width) / 2
            box.y = y
            y += box.height + _ROW_GAP
        x += width + _COL_GAP
    width = max(x - _COL_GAP + _MARGIN, 320.0)
    height = _MARGIN * 2 + _TITLE_H + total_h + (60.0 if back else 0.0)
    return boxes, back, width, height


def _text(box: _Box) -> str:
    cx = box.x + box.width / 2
    top = box.y + _PAD_Y + _LINE_H * 0.75
    parts = []
    for i, line in enumerate(box.lines):
        size, weight, fill = (11, "bold", "#222") if i == 0 else (9, "normal", "#666")
        parts.append(
            f'<text x="{cx:.1f}" y="{top + i * _LINE_H:.1f}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}" text-anchor="middle">{escape(line)}</text>'
        )
    return "".join(parts)


def to_svg(graph: AppGraph) -> str:
    """Render ``graph`` as a standalone SVG document."""
    boxes, back, width, height = layout(graph)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
        "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{_MARGIN}" y="{_MARGIN + 12}" font-size="14" font-weight="bold" '
        f'fill="#222">{escape(graph.title)}</text>',
    ]
    labels = []
    for edge in graph.edges:
        a, b = boxes[edge.source], boxes[edge.target]
        if (edge.source, edge.target) in back or b.rank <= a.rank:
            # loop back underneath the drawing
            x1, y1 = a.x + a.width / 2, a.y + a.height
            x2, y2 = b.x + b.width / 2, b.y + b.height
            low = height - _MARGIN
            path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {low:.1f}, {x2:.1f} {low:.1f}, {x2:.1f} {y2:.1f}"
            mx, my = (x1 + x2) / 2, low - 8
        else:
            x1, y1 = a.x + a.width, a.y + a.height / 2
            x2, y2 = b.x, b.y + b.height / 2
            dx = (x2 - x1) / 2
            path = f"M {x1:.1f} {y1:.1f} C {x1 + dx:.1f} {y1:.1f}, {x2 - dx:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}"
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        out.append(
            f'<path d="{path}" fill="none" stroke="#555" stroke-width="1.2" '
            f'marker-end="url(#arrow)"/>'
        )
        if edge.label:
            w = len(edge.label) * 5.6 + 8
            labels.append(
                f'<rect x="{mx - w / 2:.1f}" y="{my - 8:.1f}" width="{w:.1f}" height="13" rx="3" '
                f'fill="white" stroke="#ccc" stroke-width="0.6"/>'
                f'<text x="{mx:.1f}" y="{my + 2:.1f}" font-size="9" fill="#8a4b00" '
                f'text-anchor="middle">{escape(edge.label)}</text>'
            )
    for box in boxes.values():
        if box.kind == "topic":
            out.append(
                f'<ellipse cx="{box.x + box.width / 2:.1f}" cy="{box.y + box.height / 2:.1f}" '
                f'rx="{box.width / 2:.1f}" ry="{box.height / 2:.1f}" fill="#e8f1fb" '
                f'stroke="#4a78a8" stroke-width="1.2"/>'
            )
        else:
            out.append(
                f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
                f'height="{box.height:.1f}" rx="7" fill="#fdf3e1" stroke="#b07a1e" '
                f'stroke-width="1.2"/>'
            )
        out.append(_text(box))
    out.extend(labels)
    out.append("</svg>")
    return "\n".join(out) + "\n"
