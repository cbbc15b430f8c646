"""``python -m caikit_compose.graph TARGET [-o FILE] [--format svg|dot|png] [--title T]``.

TARGET is ``module:attribute`` or ``path/to/file.py:attribute``; the attribute is a message
queue, an object with an ``mq`` attribute, or a callable returning either (called with no
arguments to declare the application). Without ``-o`` the DOT text is printed.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from typing import Any, List, Optional

from ..message_queue.base import MessageQueueBase
from . import describe, render, to_dot


def load_target(target: str) -> MessageQueueBase:
    """Resolve TARGET to a message queue.

    Raises:
        ValueError: TARGET is malformed or names nothing usable
    """
    location, sep, attribute = target.rpartition(":")
    if not sep or not location or not attribute:
        raise ValueError(f"Target {target!r} must look like 'module:attribute' or 'file.py:attribute'")
    if location.endswith(".py") or os.sep in location:
        path = os.path.abspath(location)
        directory = os.path.dirname(path)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ValueError(f"Cannot load {location!r}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(location)
    try:
        value: Any = getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"{location!r} has no attribute {attribute!r}") from None
    if callable(value) and not isinstance(value, MessageQueueBase):
        value = value()
    if not isinstance(value, MessageQueueBase):
        value = getattr(value, "mq", value)
    if not isinstance(value, MessageQueueBase):
        raise ValueError(
            f"{target!r} gave {value!r}, which is neither a message queue nor has an 'mq'"
        )
    return value


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m caikit_compose.graph",
        description="Draw the topics, actors and groupings of a caikit-compose application.",
    )
    parser.add_argument("target", help="module:attribute or file.py:attribute")
    parser.add_argument("-o", "--output", help="file to write (.svg, .dot or .png)")
    parser.add_argument("--format", choices=["svg", "dot", "png"], help="default: from -o")
    parser.add_argument("--title", help="caption of the diagram")
    args = parser.parse_args(argv)
    try:
        mq = load_target(args.target)
        if args.output:
            render(mq, args.output, args.format, args.title)
            print(args.output)
        else:
            print(to_dot(describe(mq, args.title)), end="")
    except (ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
