"""Errors raised by dataobject conversions, carrying the path of the offending field.

Converters wrap any failure of a field in one of these, prefixing the field name as the error
travels up through nested messages, so the final message reads e.g.
``Batch.items[3].data_type: 7 is not a valid DataTypes value``.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

_NO_KEY: Any = object()


class _PathMixin:
    """Shared behaviour: a dotted/indexed ``path`` plus the ``reason`` it failed.

    ``segments`` is the same path as a tuple (``("Batch", "items", 3, "data_type")``: names,
    list indexes and map keys), for callers that report it in a structured form.
    """

    path: str
    reason: str
    segments: Tuple[Any, ...]

    def _init_path(self, path: str, reason: str, segments: Optional[Tuple[Any, ...]]):
        self.path = path
        self.reason = reason
        self.segments = tuple(segments) if segments is not None else ((path,) if path else ())
        self.args = (f"{path}: {reason}" if path else reason,)


class DataModelTypeError(_PathMixin, TypeError):
    """A value has the wrong type for its field (``path`` names the field)."""

    def __init__(self, path: str, reason: str, segments: Optional[Tuple[Any, ...]] = None):
        super().__init__()
        self._init_path(path, reason, segments)


class DataModelValueError(_PathMixin, ValueError):
    """A value has the right type but an invalid value (``path`` names the field)."""

    def __init__(self, path: str, reason: str, segments: Optional[Tuple[Any, ...]] = None):
        super().__init__()
        self._init_path(path, reason, segments)


def _join(prefix: str, path: str) -> str:
    if not path:
        return prefix
    if path.startswith("["):
        return prefix + path
    return f"{prefix}.{path}"


def wrap(err: BaseException, prefix: str, key: Any = _NO_KEY) -> Exception:
    """Return ``err`` re-expressed as a path error with ``prefix`` (a class or field name, and
    the list index or map ``key`` within that field, if given) prepended to its path."""
    if key is _NO_KEY:
        head: Tuple[Any, ...] = (prefix,)
    else:
        head = (prefix, key)
        prefix = f"{prefix}[{key!r}]"
    if isinstance(err, _PathMixin):
        cls = DataModelTypeError if isinstance(err, TypeError) else DataModelValueError
        return cls(_join(prefix, err.path), err.reason, head + err.segments)
    if isinstance(err, TypeError):
        return DataModelTypeError(prefix, str(err), head)
    if isinstance(err, RecursionError):
        return DataModelValueError(prefix, "structure is nested too deeply", head)
    reason = str(err) if not isinstance(err, KeyError) else f"unknown key {err.args[0]!r}"
    return DataModelValueError(prefix, reason or type(err).__name__, head)


def wrap_item(err: BaseException, field: str, values: Any, convert) -> Exception:
    """Locate the failing element of a list/map field by re-running ``convert`` per element."""
    try:
        if isinstance(values, dict) or (hasattr(values, "items") and not isinstance(values, list)):
            for key, val in values.items():
                try:
                    convert(val)
                except Exception as inner:  # pylint: disable=broad-except
                    return wrap(inner, field, key)
        else:
            for idx, val in enumerate(values):
                try:
                    convert(val)
                except Exception as inner:  # pylint: disable=broad-except
                    return wrap(inner, field, idx)
    except Exception:  # pylint: disable=broad-except
        pass
    return wrap(err, field)


def type_error(path: str, expected: str, value: Any) -> DataModelTypeError:
    """A uniform 'expected X, got V' type error."""
    return DataModelTypeError(path, f"expected {expected}, got {type(value).__name__} {value!r}")
