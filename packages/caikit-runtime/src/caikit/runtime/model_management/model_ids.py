"""Model ids that are safe to use as directory entries of ``runtime.local_models_dir``.

A model id names exactly one entry directly inside the models directory. Anything that could
make a path built from it point elsewhere is refused before the file system is touched:
empty ids, ``.`` and ``..``, path separators (so no absolute paths and no nesting), NUL and
other control characters, percent-encodings of any of these (``%2e%2e%2f``), and names longer
than a file name may be. After joining, the real
path (symlinks resolved) must still be inside the models directory, so a symlink that leaves
it is refused too.

API: :func:`check_model_id` (syntax only), :func:`model_dir_path` (syntax + containment),
:class:`InvalidModelIdError` (a ``ValueError``).
"""
from __future__ import annotations

import os

__all__ = ["MAX_MODEL_ID_LENGTH", "InvalidModelIdError", "check_model_id", "is_inside", "model_dir_path"]

#: Longest accepted id, in UTF-8 bytes (NAME_MAX of common file systems).
MAX_MODEL_ID_LENGTH = 255


class InvalidModelIdError(ValueError):
    """A model id that cannot name an entry of the models directory."""

    def __init__(self, model_id: object, reason: str):
        super().__init__(f"Invalid model id {model_id!r}: {reason}")
        self.model_id = model_id
        self.reason = reason


def check_model_id(model_id: object) -> str:
    """Return ``model_id`` if it is a safe single path component, else raise.

    Raises:
        InvalidModelIdError: the id is not a string, is empty, ``.``/``..``, contains a path
            separator, a NUL or control character, or is too long
    """
    if not isinstance(model_id, str):
        raise InvalidModelIdError(model_id, "must be a string")
    if not model_id or not model_id.strip():
        raise InvalidModelIdError(model_id, "must not be blank")
    if model_id in (".", ".."):
        raise InvalidModelIdError(model_id, "must not be a relative directory reference")
    if "/" in model_id or "\\" in model_id or (os.altsep and os.altsep in model_id):
        raise InvalidModelIdError(model_id, "must not contain a path separator")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in model_id):
        raise InvalidModelIdError(model_id, "must not contain NUL or control characters")
    if "%" in model_id and _unsafe_when_decoded(model_id):
        # harmless here, but a proxy, a log viewer or a later URL decoding would see a path
        raise InvalidModelIdError(model_id, "must not be a percent-encoded path")
    try:
        encoded = model_id.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidModelIdError(model_id, "must be valid UTF-8") from None
    if len(encoded) > MAX_MODEL_ID_LENGTH:
        raise InvalidModelIdError(model_id, f"must be at most {MAX_MODEL_ID_LENGTH} bytes long")
    return model_id


def _unsafe_when_decoded(model_id: str) -> bool:
    from urllib.parse import unquote

    decoded = unquote(model_id)
    return decoded != model_id and (
        decoded in (".", "..")
        or "/" in decoded
        or "\\" in decoded
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded)
    )


def is_inside(path: str, root: str) -> bool:
    """Whether the real path of ``path`` is ``root``'s real path or below it."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def model_dir_path(models_dir: str, model_id: object, must_exist: bool = False) -> str:
    """The path of ``model_id`` inside ``models_dir``, checked to stay inside it.

    Args:
        models_dir: the models directory
        model_id: the id to check
        must_exist: also require the entry to exist

    Returns:
        ``os.path.join(models_dir, model_id)``

    Raises:
        InvalidModelIdError: the id is unsafe, or its entry resolves outside ``models_dir``
        FileNotFoundError: ``must_exist`` and there is no such entry
    """
    check_model_id(model_id)
    path = os.path.join(models_dir, model_id)
    if os.path.islink(path) or os.path.exists(path):
        real_root = os.path.realpath(models_dir)
        real = os.path.realpath(path)
        if not is_inside(real, real_root):
            raise InvalidModelIdError(model_id, "resolves outside the models directory")
        if real == real_root:
            raise InvalidModelIdError(model_id, "resolves to the models directory itself")
    elif must_exist:
        raise FileNotFoundError(f"No model {model_id!r} in {models_dir!r}")
    return path
