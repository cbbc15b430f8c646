"""Unpack zipped models (a ``.zip`` path, bytes, or a binary file object) for loading."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from typing import Any, Iterator, Union

from ..modules.config import CONFIG_FILE_NAME

__all__ = ["UnsafeArchiveError", "is_archive", "unpacked_model"]


class UnsafeArchiveError(ValueError):
    """A zip member would be written outside the extraction directory."""


def is_archive(model: Any) -> bool:
    """Whether ``model`` is zip bytes, a binary file object, or a path to a zip file."""
    if isinstance(model, (bytes, bytearray, memoryview)) or hasattr(model, "read"):
        return True
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        return os.path.isfile(path) and zipfile.is_zipfile(path)
    return False


@contextlib.contextmanager
def unpacked_model(model: Union[str, os.PathLike, bytes, Any]) -> Iterator[str]:
    """Extract a zipped model to a temporary directory for the duration of the ``with`` block.

    Yields:
        the model directory: the extraction root if it holds ``config.yml``, else its single
        top-level directory (zips made of a folder)

    Raises:
        ValueError: not a zip archive, or a member with an absolute path or ``..``
    """
    if isinstance(model, (bytes, bytearray, memoryview)):
        source: Any = io.BytesIO(bytes(model))
    elif hasattr(model, "read"):
        source = model
    else:
        source = os.fspath(model)
    workdir = tempfile.mkdtemp(prefix="caikit-model-")
    try:
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile as err:
            raise ValueError(f"Not a zip archive of a model: {err}") from err
        with archive:
            root = os.path.realpath(workdir)
            for member in archive.namelist():
                target = os.path.realpath(os.path.join(root, member))
                if os.path.isabs(member) or os.path.commonpath([root, target]) != root:
                    raise UnsafeArchiveError(f"Zip member {member!r} would be extracted outside the model directory")
            archive.extractall(root)
        model_dir = workdir
        if not os.path.isfile(os.path.join(workdir, CONFIG_FILE_NAME)):
            entries = [e for e in os.listdir(workdir) if not e.startswith("__MACOSX")]
            if len(entries) == 1 and os.path.isdir(os.path.join(workdir, entries[0])):
                model_dir = os.path.join(workdir, entries[0])
        yield model_dir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
