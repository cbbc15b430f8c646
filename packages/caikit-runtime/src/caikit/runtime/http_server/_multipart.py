"""``multipart/form-data`` request bodies (RFC 7578), parsed as they arrive (stdlib only).

:func:`read_form` reads the body from ASGI ``receive`` and hands every chunk to a small
incremental parser, so each limit is enforced as soon as it is passed, not after the whole
body is in memory:

* the whole body: ``runtime.http.max_body_bytes`` (413; a ``Content-Length`` above it never
  gets here, see :mod:`._front`);
* the number of parts: ``runtime.http.max_multipart_parts`` (413);
* one part without a file name (a form field): ``runtime.http.max_multipart_field_bytes``
  (413);
* one part with a file name: ``runtime.http.max_multipart_file_bytes`` (413; 0 leaves only
  the body limit);
* the header block of one part: :data:`MAX_PART_HEADER_BYTES` (413).

A body that is not well-formed multipart (no boundary parameter, a part without
``Content-Disposition: form-data; name=...``, no closing delimiter, ...) is a 422, never a 500.

The parser searches for the delimiter ``CRLF--<boundary>`` with ``bytearray.find``; it keeps at
most one delimiter length of unconsumed bytes between chunks. The preamble and the epilogue
are skipped (the body is still counted against the body limit). A header block is decoded
as UTF-8 (what browsers send), falling back to Latin-1; ``filename*=UTF-8''...`` (RFC 5987)
is understood; in quoted parameter values a backslash escapes only ``"`` and ``\\``, so a
Windows path sent by an old browser keeps its backslashes.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

from ._body import body_too_large
from ._errors import HTTPError, ValidationError

__all__ = ["MAX_PART_HEADER_BYTES", "FormLimits", "FormPart", "boundary_of", "read_form"]

#: Largest header block of one part (its Content-Disposition and Content-Type lines)
MAX_PART_HEADER_BYTES = 16 * 1024
#: Longest boundary accepted (RFC 2046 allows 70 characters; some clients use a few more)
_MAX_BOUNDARY = 200
_MAX_HEADER_LINES = 16

_PREAMBLE, _AFTER_DELIMITER, _HEADERS, _BODY, _EPILOGUE = range(5)


@dataclasses.dataclass(frozen=True)
class FormLimits:
    """Limits of a ``multipart/form-data`` body (0 means "no limit" for each).

    Attributes:
        max_body_bytes: the whole body (``runtime.http.max_body_bytes``)
        max_parts: parts in one body (``runtime.http.max_multipart_parts``)
        max_field_bytes: one part without a file name (``runtime.http.max_multipart_field_bytes``)
        max_file_bytes: one part with a file name (``runtime.http.max_multipart_file_bytes``)
    """

    max_body_bytes: int = 0
    max_parts: int = 1000
    max_field_bytes: int = 1024 * 1024
    max_file_bytes: int = 0

    @classmethod
    def from_config(cls, http: Any) -> FormLimits:
        """The limits set in the ``runtime.http`` config section (a mapping)."""

        def setting(key: str, default: int) -> int:
            value = http.get(key) if http is not None and hasattr(http, "get") else None
            return default if value is None else int(value)

        return cls(
            max_body_bytes=setting("max_body_bytes", 0),
            max_parts=setting("max_multipart_parts", cls.max_parts),
            max_field_bytes=setting("max_multipart_field_bytes", cls.max_field_bytes),
            max_file_bytes=setting("max_multipart_file_bytes", cls.max_file_bytes),
        )


class FormPart:
    """One part of a form.

    Attributes:
        name: the form key (``name`` of its Content-Disposition)
        filename: the file name, or None for a plain form field
        content_type: the part's Content-Type as sent, or None
        data: its bytes
    """

    __slots__ = ("content_type", "data", "filename", "name")

    def __init__(self, name: str, filename: Optional[str], content_type: Optional[str], data: bytes = b""):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.data = data

    @property
    def is_file(self) -> bool:
        """Whether the part was sent as a file (it has a file name, possibly empty)."""
        return self.filename is not None

    def __repr__(self) -> str:
        return f"FormPart({self.name!r}, filename={self.filename!r}, content_type={self.content_type!r}, {len(self.data)} bytes)"


def _malformed(message: str) -> ValidationError:
    return ValidationError(f"Malformed multipart body: {message}", ["body"], "multipart_invalid")


def _too_large(message: str) -> HTTPError:
    return HTTPError(413, message, headers=((b"connection", b"close"),))


# -- header parameters ------------------------------------------------------------------------


def parse_header_params(text: str) -> Tuple[str, Dict[str, str]]:
    """``("form-data", {"name": "x", "filename": "y"})`` from a header value such as
    ``form-data; name="x"; filename="y"`` (parameter names lower-cased)."""
    value, _, rest = text.partition(";")
    params: Dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in "; \t":
            i += 1
        start = i
        while i < n and rest[i] not in "=;":
            i += 1
        key = rest[start:i].strip().lower()
        if i >= n or rest[i] == ";":
            if key:
                params.setdefault(key, "")
            continue
        i += 1  # '='
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            i += 1
            chars = []
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n and rest[i + 1] in '"\\':
                    i += 1
                chars.append(rest[i])
                i += 1
            i += 1  # closing quote (or past the end)
            val = "".join(chars)
            while i < n and rest[i] != ";":
                i += 1
        else:
            start = i
            while i < n and rest[i] != ";":
                i += 1
            val = rest[start:i].strip()
        if key and key not in params:
            params[key] = val
    return value.strip().lower(), params


def _extended_value(value: str) -> Optional[str]:
    """An RFC 5987 ``charset'lang'percent-encoded`` value, decoded (None if it is not one)."""
    charset, sep, rest = value.partition("'")
    _, sep2, encoded = rest.partition("'")
    if not (sep and sep2):
        return None
    try:
        return unquote(encoded, encoding=charset or "utf-8", errors="strict")
    except (LookupError, UnicodeDecodeError):
        return None


def boundary_of(content_type: bytes) -> bytes:
    """The ``boundary`` parameter of a ``multipart/form-data`` Content-Type.

    Raises:
        ValidationError: 422 when it is missing or unusable
    """
    _, params = parse_header_params(content_type.decode("latin-1"))
    boundary = params.get("boundary", "")
    if not boundary:
        raise _malformed("the Content-Type has no boundary parameter")
    if len(boundary) > _MAX_BOUNDARY or any(c in boundary for c in "\r\n") or not boundary.isascii():
        raise _malformed("the boundary parameter is not usable")
    return boundary.encode("ascii")


def _part_from_headers(raw: bytes) -> FormPart:
    lines = raw.split(b"\r\n") if raw else []
    if len(lines) > _MAX_HEADER_LINES:
        raise _malformed("a part has too many header lines")
    headers: Dict[bytes, bytes] = {}
    for line in lines:
        key, sep, value = line.partition(b":")
        key = key.strip().lower()
        if not sep or not key or line[:1] in (b" ", b"\t"):
            raise _malformed(f"bad part header line {bytes(line[:80])!r}")
        headers.setdefault(key, value.strip())
    disposition = headers.get(b"content-disposition")
    if disposition is None:
        raise _malformed("a part has no Content-Disposition header")
    try:
        text = disposition.decode("utf-8")
    except UnicodeDecodeError:
        text = disposition.decode("latin-1")
    kind, params = parse_header_params(text)
    if kind != "form-data":
        raise _malformed(f"a part's Content-Disposition is {kind!r}, not 'form-data'")
    name = params.get("name")
    if not name:
        raise _malformed("a part has no name")
    filename = params.get("filename")
    extended = params.get("filename*")
    if extended is not None:
        decoded = _extended_value(extended)
        if decoded is not None:
            filename = decoded
    content_type = headers.get(b"content-type")
    return FormPart(name, filename, content_type.decode("latin-1") if content_type is not None else None)


# -- the parser -------------------------------------------------------------------------------


class MultipartParser:
    """Incremental ``multipart/form-data`` parser: :meth:`feed` chunks, then :meth:`close`.

    Args:
        boundary: the boundary (without the leading ``--``)
        limits: parts and per-part sizes (the body limit is the reader's)
    """

    def __init__(self, boundary: bytes, limits: FormLimits):
        self.delimiter = b"\r\n--" + boundary
        self._keep = len(self.delimiter) - 1
        # a leading CRLF lets the first delimiter be found like every other one
        self._buffer = bytearray(b"\r\n")
        self._state = _PREAMBLE
        self._limits = limits
        self._parts: List[FormPart] = []
        self._part: Optional[FormPart] = None
        self._chunks: List[bytearray] = []
        self._size = 0
        self._part_limit = 0

    def feed(self, data: bytes) -> None:
        """Parse the next bytes of the body.

        Raises:
            ValidationError: 422, malformed multipart
            HTTPError: 413, a limit is passed
        """
        buffer = self._buffer
        buffer += data
        delimiter = self.delimiter
        while True:
            state = self._state
            if state == _BODY or state == _PREAMBLE:
                index = buffer.find(delimiter)
                if index < 0:
                    usable = len(buffer) - self._keep
                    if usable > 0:
                        if state == _BODY:
                            self._add(buffer[:usable])
                        del buffer[:usable]
                    return
                if state == _BODY:
                    self._add(buffer[:index])
                    self._end_part()
                del buffer[: index + len(delimiter)]
                self._state = _AFTER_DELIMITER
            elif state == _AFTER_DELIMITER:
                if len(buffer) < 2:
                    return
                if buffer[:2] == b"--":
                    self._state = _EPILOGUE
                    buffer.clear()
                    return
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > 256 or buffer.strip(b" \t"):
                        raise _malformed("unexpected bytes after a boundary delimiter")
                    return
                if buffer[:end].strip(b" \t"):  # only transport padding may follow a delimiter
                    raise _malformed("unexpected bytes after a boundary delimiter")
                del buffer[: end + 2]
                self._state = _HEADERS
            elif state == _HEADERS:
                if buffer[:2] == b"\r\n":
                    raw, consumed = b"", 2
                else:
                    end = buffer.find(b"\r\n\r\n")
                    if end < 0:
                        if len(buffer) > MAX_PART_HEADER_BYTES:
                            raise _too_large(f"Multipart part headers above {MAX_PART_HEADER_BYTES} bytes")
                        return
                    if end > MAX_PART_HEADER_BYTES:
                        raise _too_large(f"Multipart part headers above {MAX_PART_HEADER_BYTES} bytes")
                    raw, consumed = bytes(buffer[:end]), end + 4
                del buffer[:consumed]
                self._start_part(_part_from_headers(raw))
                self._state = _BODY
            else:  # epilogue: ignored
                buffer.clear()
                return

    def _start_part(self, part: FormPart) -> None:
        limits = self._limits
        if limits.max_parts and len(self._parts) >= limits.max_parts:
            raise _too_large(
                f"Too many parts in the multipart body: the limit is {limits.max_parts} "
                "(runtime.http.max_multipart_parts)"
            )
        self._part = part
        self._chunks = []
        self._size = 0
        self._part_limit = limits.max_file_bytes if part.is_file else limits.max_field_bytes

    def _add(self, data: bytearray) -> None:
        if not data:
            return
        self._size += len(data)
        if self._part_limit and self._size > self._part_limit:
            part = self._part
            assert part is not None
            key = "max_multipart_file_bytes" if part.is_file else "max_multipart_field_bytes"
            raise _too_large(
                f"Multipart part {part.name!r} is too large: the limit is {self._part_limit} bytes "
                f"(runtime.http.{key})"
            )
        self._chunks.append(data)

    def _end_part(self) -> None:
        part = self._part
        assert part is not None
        chunks = self._chunks
        part.data = bytes(chunks[0]) if len(chunks) == 1 else b"".join(chunks)
        self._parts.append(part)
        self._part = None
        self._chunks = []

    def close(self) -> List[FormPart]:
        """The parts, once the whole body was fed.

        Raises:
            ValidationError: 422, the body ended before its closing delimiter
        """
        if self._state != _EPILOGUE:
            if self._state == _PREAMBLE:
                raise _malformed("no boundary delimiter found (is the boundary parameter right?)")
            raise _malformed("the body ends before the closing boundary delimiter")
        return self._parts


async def read_form(receive: Callable, content_type: bytes, limits: FormLimits) -> List[FormPart]:
    """Read and parse a ``multipart/form-data`` request body.

    Args:
        receive: the ASGI receive callable
        content_type: the request's Content-Type value (holding the boundary)
        limits: what the body may hold

    Raises:
        ValidationError: 422, malformed multipart
        HTTPError: 413, a limit is passed; 499, the client went away
    """
    parser = MultipartParser(boundary_of(content_type), limits)
    limit = limits.max_body_bytes
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise HTTPError(499, "Client closed the request")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if limit and size > limit:
                raise body_too_large(limit)
            parser.feed(chunk)
        if not message.get("more_body", False):
            return parser.close()
