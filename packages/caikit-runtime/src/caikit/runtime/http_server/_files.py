"""File downloads: outputs whose dataobject class has ``supports_file_operations`` (§3.3).

Such an output is not answered as JSON: its ``to_file`` writes the body, and the response is
a download::

    200 OK
    Content-Type: <the file's type, or application/octet-stream>
    Content-Disposition: attachment; filename="<name>"[; filename*=UTF-8''<name>]
    X-Content-Type-Options: nosniff

``output.to_file(buffer)`` gets a binary file object (``io.BytesIO``) to write into. What it
returns may describe the file: a ``File``-like object (``filename``, ``type``, and ``data``
when it wrote nothing into the buffer), or a path (its name is the file name). Otherwise the
name and type come from the output's own ``filename`` and ``type`` (or ``content_type`` /
``mime_type``) attributes, then from the class name and the name's extension
(``mimetypes``). The file name is reduced to its last path component and stripped of control
characters and quotes; a name that is not ASCII is also given as ``filename*`` (RFC 6266).

The decision is made once per route, from the output type the task declares; a model that
returns an object without file support on such a route is answered as JSON.
"""
from __future__ import annotations

import io
import mimetypes
import os
import re
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import quote

from ._streams import to_json_bytes

__all__ = ["call_and_file", "file_response", "supports_files"]

_JSON_HEADERS = [(b"content-type", b"application/json")]
_OCTET_STREAM = "application/octet-stream"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\]')
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[^\x00-\x1f\x7f]*)?$")


def supports_files(cls: Any) -> bool:
    """Whether outputs of dataobject class ``cls`` are answered as file downloads (a class
    deciding per object, with a property, counts: :func:`file_response` asks the object)."""
    flag = getattr(cls, "supports_file_operations", False)
    return (flag is True or isinstance(flag, property)) and callable(getattr(cls, "to_file", None))


def _str_attr(obj: Any, *names: str) -> str:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def safe_filename(name: str, fallback: str = "download") -> str:
    """The last path component of ``name`` without control characters or quotes."""
    name = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if name in ("", ".", ".."):
        return fallback
    return name[:255]


def content_disposition(filename: str) -> bytes:
    """``attachment; filename="..."`` (plus ``filename*`` for a name that is not ASCII)."""
    if filename.isascii():
        return f'attachment; filename="{filename}"'.encode("ascii")
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}".encode("ascii")


def _media_type(value: str) -> str:
    return value if value and _MEDIA_TYPE.match(value) else ""


def file_response(result: Any) -> Tuple[bytes, List[Tuple[bytes, bytes]]]:
    """``(body, headers)`` answering ``result`` as a download (as JSON when its class has no
    file support)."""
    if getattr(result, "supports_file_operations", False) is not True:
        return to_json_bytes(result), _JSON_HEADERS
    buffer = io.BytesIO()
    described = result.to_file(buffer)
    data = buffer.getvalue()
    filename = media_type = ""
    if isinstance(described, (str, os.PathLike)):
        filename = os.path.basename(os.fspath(described))
    elif described is not None:
        filename = _str_attr(described, "filename", "name")
        media_type = _str_attr(described, "type", "content_type", "mime_type")
        if not data:
            inner = getattr(described, "data", None)
            if isinstance(inner, (bytes, bytearray)):
                data = bytes(inner)
    filename = filename or _str_attr(result, "filename")
    media_type = _media_type(media_type or _str_attr(result, "type", "content_type", "mime_type"))
    default_name = type(result).__name__.lower()
    if media_type:
        default_name += mimetypes.guess_extension(media_type.split(";")[0].strip()) or ""
    filename = safe_filename(filename, default_name)
    if not media_type:
        media_type = mimetypes.guess_type(filename)[0] or _OCTET_STREAM
    headers = [
        (b"content-type", media_type.encode("latin-1")),
        (b"content-disposition", content_disposition(filename)),
        (b"x-content-type-options", b"nosniff"),
    ]
    return data, headers


def call_and_file(method: Callable[..., Any], kwargs: Dict[str, Any]) -> Tuple[bytes, List[Tuple[bytes, bytes]]]:
    """Call the model and write its output as a file (both off the loop when in the pool)."""
    return file_response(method(**kwargs))
