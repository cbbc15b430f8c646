"""Fenced code blocks of Markdown pages, with the markers that tell the doc tests what to do.

A marker is an HTML comment (invisible when rendered) on the line right before the opening
fence; several markers in one comment are separated by ``;``::

    <!-- file: greeter_lib/__init__.py -->    the block is the content of this file
    <!-- no-test: why -->                     a Python block that is intentionally partial: not
                                              run, but counted and reported with its reason
    <!-- needs: redis -->                     run with a redis-server started for the page
                                              (its URL in the REDIS_URL environment variable)
    <!-- expect-output -->                    on a block after a Python block: each of its lines
                                              must appear, in order, in what that block printed
    <!-- test: run -->                        shell (README): run the block; ``# text`` lines
                                              after a command are its expected output
    <!-- test: background, ready-url=URL -->  shell: start it, wait until URL answers 200
    <!-- test: background, copies=2, ready-line=TEXT -->  ... or until it prints TEXT
    <!-- test: skip — why -->                 shell: not run (the reason is required)
    <!-- test: run-verbatim — why -->         shell: run exactly as written, from the repository

Used by ``tests/test_docs_snippets.py`` and ``tests/test_readme_commands.py``.
"""
from __future__ import annotations

import dataclasses
import pathlib
import re
from typing import Dict, List, Optional

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--(?P<body>.*?)-->\s*$")


@dataclasses.dataclass
class Block:
    """One fenced code block."""

    page: pathlib.Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    markers: Dict[str, str]

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"

    @property
    def file(self) -> Optional[str]:
        return self.markers.get("file")

    @property
    def no_test(self) -> Optional[str]:
        return self.markers.get("no-test")

    @property
    def test(self) -> Optional[ShellTest]:
        value = self.markers.get("test")
        return None if value is None else ShellTest.parse(value)


@dataclasses.dataclass
class ShellTest:
    """A parsed ``test:`` marker: ``kind[, option=value ...][ — reason]``."""

    kind: str
    options: Dict[str, str]
    reason: str

    @classmethod
    def parse(cls, value: str) -> ShellTest:
        head, _, reason = value.partition("—")
        parts = [part.strip() for part in head.split(",") if part.strip()]
        kind = parts[0] if parts else ""
        options = {}
        for part in parts[1:]:
            key, _, option = part.partition("=")
            options[key.strip()] = option.strip()
        return cls(kind, options, reason.strip())


def _markers(comment_body: str) -> Dict[str, str]:
    markers = {}
    for part in comment_body.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition(":")
        markers[key.strip()] = value.strip() if sep else ""
    return markers


def blocks(page: pathlib.Path) -> List[Block]:
    """Every fenced block of ``page``, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match.group("fence")
        info = match.group("info").strip()
        lang = info.split()[0].lower() if info else ""
        marker = _MARKER.match(lines[index - 1]) if index > 0 else None
        start = index
        body: List[str] = []
        index += 1
        while index < len(lines) and not re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[index]):
            body.append(lines[index])
            index += 1
        index += 1  # the closing fence
        found.append(
            Block(
                page=page,
                line=start + 1,
                lang=lang,
                code="\n".join(body) + "\n",
                markers=_markers(marker.group("body")) if marker else {},
            )
        )
    return found


def expected_lines_in_order(expected: List[str], output: str) -> Optional[str]:
    """None if every expected line appears in ``output`` in order (each as a substring of one
    output line), else a description of the first one that does not."""
    remaining = output.splitlines()
    position = 0
    for wanted in expected:
        while position < len(remaining) and wanted not in remaining[position]:
            position += 1
        if position == len(remaining):
            return f"expected a line containing {wanted!r} (in this order) in:\n{output[-3000:]}"
        position += 1
    return None
