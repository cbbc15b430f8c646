"""A small reader for files holding a multipart/form-data body (RFC 7578)."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, Iterator, Optional

_BOUNDARY_LINE = re.compile(rb"^--([!#$%&'*+.^_`|~0-9A-Za-z()\-,/:=?]{1,200})\r?\n")


@dataclasses.dataclass
class Part:
    """One part of a multipart body."""

    index: int
    headers: Dict[str, str]
    data: bytes

    @property
    def content_type(self) -> Optional[str]:
        """The part's Content-Type header."""
        return self.headers.get("content-type")

    def _disposition_param(self, key: str) -> Optional[str]:
        disp = self.headers.get("content-disposition", "")
        match = re.search(rf'{key}="([^"]*)"', disp) or re.search(rf"{key}=([^;\s]+)", disp)
        return match.group(1) if match else None

    @property
    def name(self) -> Optional[str]:
        """The form field name."""
        return self._disposition_param("name")

    @property
    def filename(self) -> Optional[str]:
        """The uploaded file name, if any."""
        return self._disposition_param("filename")


def looks_like_multipart(filename: str) -> bool:
    """True when the file starts with a ``--boundary`` line."""
    try:
        with open(filename, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return bool(_BOUNDARY_LINE.match(head.lstrip(b"\r\n")))


def iter_parts(filename: str) -> Iterator[Part]:
    """Yield the parts of a multipart body stored in ``filename``.

    Raises:
        ValueError: (a DataSourceError) the file is not a well-formed multipart body.
    """
    from ._sources import DataSourceError  # pylint: disable=import-outside-toplevel

    with open(filename, "rb") as handle:
        body = handle.read()
    body = body.lstrip(b"\r\n")
    match = _BOUNDARY_LINE.match(body)
    if not match:
        raise DataSourceError(filename, 1, "not a multipart body (no leading --boundary line)")
    delimiter = b"--" + match.group(1)
    chunks = body.split(delimiter)
    # chunks[0] is the (empty) preamble; the last chunk starts with "--" (the close delimiter)
    if not any(chunk.startswith(b"--") for chunk in chunks[1:]):
        raise DataSourceError(filename, None, "multipart body has no closing boundary")
    line = 1
    for index, chunk in enumerate(chunks[1:]):
        if chunk.startswith(b"--"):
            break
        chunk = (
            chunk[2:]
            if chunk.startswith(b"\r\n")
            else chunk[1:]
            if chunk.startswith(b"\n")
            else chunk
        )
        sep = re.search(rb"\r?\n\r?\n", chunk)
        if sep is None:
            raise DataSourceError(filename, line, f"part {index} has no header/body separator")
        headers = {}
        for raw in re.split(rb"\r?\n", chunk[: sep.start()]):
            if not raw.strip():
                continue
            key, colon, value = raw.decode("latin-1").partition(":")
            if not colon:
                raise DataSourceError(filename, line, f"part {index}: malformed header {raw!r}")
            headers[key.strip().lower()] = value.strip()
        data = chunk[sep.end() :]
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        line += chunk.count(b"\n") + 0
        yield Part(index, headers, data)
