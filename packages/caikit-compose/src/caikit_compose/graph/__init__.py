"""A picture of a caikit-compose application: topics, actors and the groupings between them.

API::

    from caikit_compose.graph import describe, to_dot, to_svg, render
    render(mq, "app.svg")              # or "app.dot"; "app.png" when Graphviz's dot is installed

Command line (the target is ``module:attribute`` or ``path/to/file.py:attribute``, naming a
message queue, an object with an ``mq`` attribute, or a function returning either; the function
is called to *declare* the application, i.e. to create its topics and subscriptions)::

    python -m caikit_compose.graph examples/compose_pipeline/app.py:build -o pipeline.svg
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Optional

from ..message_queue.base import MessageQueueBase
from ._dot import to_dot
from ._model import AppGraph, Edge, Subscriber, describe
from ._svg import to_svg

__all__ = ["AppGraph", "Edge", "Subscriber", "describe", "render", "to_dot", "to_svg"]

_FORMATS = ("svg", "dot", "png")


def render(
    mq: MessageQueueBase,
    path: str,
    fmt: Optional[str] = None,
    title: Optional[str] = None,
) -> str:
    """Write a diagram of the application on ``mq`` to ``path``.

    Args:
        mq: the application's message queue
        path: the output file
        fmt: ``svg`` (drawn without Graphviz), ``dot``, or ``png`` (needs Graphviz's ``dot``);
            default: from ``path``'s extension
        title: a caption

    Returns:
        ``path``

    Raises:
        ValueError: unknown format
        RuntimeError: ``png`` asked for but Graphviz is not installed
    """
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
    if fmt not in _FORMATS:
        raise ValueError(f"Unknown diagram format {fmt!r}; use one of {_FORMATS!r}")
    graph = describe(mq, title)
    if fmt == "svg":
        text = to_svg(graph)
    elif fmt == "dot":
        text = to_dot(graph)
    else:
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(
                "PNG output needs Graphviz's 'dot' (e.g. apt-get install graphviz); "
                "SVG and DOT work without it"
            )
        subprocess.run([dot, "-Tpng", "-o", path], input=to_dot(graph).encode(), check=True)
        return path
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
