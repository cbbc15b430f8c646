"""Readers for file-backed data streams. Every error names the file and, where known, the line."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any, Callable, Dict, Iterator, List

from . import _multipart


class DataSourceError(ValueError):
    """A data source (file) cannot be read; ``filename`` and ``line`` locate the problem."""

    def __init__(self, filename: str, line: Any, reason: str):
        self.filename = filename
        self.line = line
        self.reason = reason
        where = f"{filename}:{line}" if line is not None else filename
        super().__init__(f"{where}: {reason}")


def _open_text(filename: str):
    try:
        return open(filename, encoding="utf-8", newline="")
    except OSError as err:
        raise DataSourceError(filename, None, f"cannot open: {err.strerror or err}") from err


def read_jsonl(filename: str) -> Iterator[Any]:
    """One JSON value per non-blank line."""
    with _open_text(filename) as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as err:
                raise DataSourceError(filename, lineno, f"invalid JSON: {err}") from None


def read_json_array(filename: str) -> Iterator[Any]:
    """The elements of a file holding one JSON array (a lone object is one element)."""
    with _open_text(filename) as handle:
        text = handle.read()
    yield from json_array_from_text(text, filename)


def json_array_from_text(text: str, filename: str) -> List[Any]:
    """Parse JSON text that should hold an array."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataSourceError(filename, err.lineno, f"invalid JSON: {err.msg}") from None
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise DataSourceError(filename, 1, f"expected a JSON array, got {type(data).__name__}")
    return data


def read_csv(
    filename: str, skip: int = 0, *csv_args: Any, **csv_kwargs: Any
) -> Iterator[List[str]]:
    """CSV rows as lists of strings, after skipping ``skip`` rows."""
    with _open_text(filename) as handle:
        reader = csv.reader(handle, *csv_args, **csv_kwargs)
        try:
            for idx, row in enumerate(reader):
                if idx < skip:
                    continue
                yield row
        except csv.Error as err:
            raise DataSourceError(filename, reader.line_num, f"invalid CSV: {err}") from None


def read_header_csv(filename: str, *csv_args: Any, **csv_kwargs: Any) -> Iterator[Dict[str, str]]:
    """CSV rows as dicts keyed by the header row."""
    with _open_text(filename) as handle:
        yield from header_csv_from_handle(handle, filename, *csv_args, **csv_kwargs)


def header_csv_from_handle(handle, filename: str, *csv_args: Any, **csv_kwargs: Any):
    """Dict rows from an open text handle; rows of the wrong width are an error."""
    reader = csv.DictReader(handle, *csv_args, **csv_kwargs)
    try:
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise DataSourceError(
                    filename,
                    reader.line_num,
                    f"row has {len(row) - (None in row) + len(row.get(None) or [])} values, "
                    f"header has {len(reader.fieldnames or [])}",
                )
            yield row
    except csv.Error as err:
        raise DataSourceError(filename, reader.line_num, f"invalid CSV: {err}") from None


def read_text_lines(filename: str) -> Iterator[str]:
    """Lines of a text file without their line endings."""
    with _open_text(filename) as handle:
        for line in handle:
            yield line.rstrip("\r\n")


READERS_BY_EXTENSION: Dict[str, Callable[[str], Iterator[Any]]] = {
    ".json": read_json_array,
    ".jsonl": read_jsonl,
    ".csv": read_header_csv,
    ".txt": read_text_lines,
}


def read_any(filename: str) -> Iterator[Any]:
    """Dispatch on extension; directories yield the contents of their files in name order."""
    if os.path.isdir(filename):
        for entry in sorted(os.listdir(filename)):
            path = os.path.join(filename, entry)
            if entry.startswith(".") or os.path.isdir(path):
                continue
            yield from read_any(path)
        return
    ext = os.path.splitext(filename)[1].lower()
    reader = READERS_BY_EXTENSION.get(ext)
    if reader is None:
        if _multipart.looks_like_multipart(filename):
            yield from read_multipart(filename)
            return
        known = ", ".join(sorted(READERS_BY_EXTENSION))
        raise DataSourceError(
            filename, None, f"unsupported file extension {ext!r} (supported: {known}, multipart)"
        )
    yield from reader(filename)


def read_multipart(filename: str) -> Iterator[Any]:
    """Records of every part of a multipart/form-data file, parsed by each part's type."""
    for part in _multipart.iter_parts(filename):
        yield from _records_of_part(part, filename)


def _records_of_part(part: _multipart.Part, filename: str) -> Iterator[Any]:
    where = f"{filename}[{part.name or part.filename or part.index}]"
    ctype = (part.content_type or "").split(";")[0].strip().lower()
    ext = os.path.splitext(part.filename or "")[1].lower()
    try:
        text = part.data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataSourceError(where, None, f"part is not UTF-8 text: {err}") from None
    if ctype in ("application/json",) or ext == ".json":
        yield from json_array_from_text(text, where)
    elif (
        ctype in ("application/x-ndjson", "application/jsonl", "application/jsonlines")
        or ext == ".jsonl"
    ):
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as err:
                    raise DataSourceError(where, lineno, f"invalid JSON: {err}") from None
    elif ctype == "text/csv" or ext == ".csv":
        yield from header_csv_from_handle(io.StringIO(text, newline=""), where)
    else:
        stripped = text.strip()
        if stripped.startswith(("[", "{")):
            yield from json_array_from_text(text, where)
        else:
            raise DataSourceError(where, None, f"unsupported part content type {ctype!r}")
