"""Recognise an encoded image's format and size from its first bytes, in pure Python.

Only headers are read, so this works without Pillow and costs nothing for large images.
"""
import struct
from typing import Optional, Tuple

# (magic prefix, format name, MIME type); WEBP needs a second check, see image_format()
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"GIF87a", "GIF", "image/gif"),
    (b"GIF89a", "GIF", "image/gif"),
    (b"BM", "BMP", "image/bmp"),
    (b"II*\x00", "TIFF", "image/tiff"),
    (b"MM\x00*", "TIFF", "image/tiff"),
)

_MIME = {name: mime for _, name, mime in _SIGNATURES}
_MIME["WEBP"] = "image/webp"

# JPEG start-of-frame markers (baseline, progressive, ...) carry the image size
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_format(data: bytes) -> Optional[str]:
    """The format name (``PNG``, ``JPEG``, ``GIF``, ``BMP``, ``TIFF``, ``WEBP``) or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, name, _ in _SIGNATURES:
        if data.startswith(magic):
            return name
    return None


def mime_type(fmt: Optional[str]) -> str:
    """The MIME type of a format name; ``application/octet-stream`` when unknown."""
    return _MIME.get(fmt or "", "application/octet-stream")


def image_size(data: bytes) -> Optional[Tuple[int, int]]:
    """``(width, height)`` read from the header of a PNG, GIF, BMP or JPEG, else None."""
    fmt = image_format(data)
    try:
        if fmt == "PNG" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if fmt == "GIF":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if fmt == "BMP":
            width, height = struct.unpack("<ii", data[18:26])
            # a negative height means the rows are stored top-down
            return width, abs(height)
        if fmt == "JPEG":
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None
