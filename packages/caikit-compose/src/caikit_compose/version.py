"""The installed version of caikit-compose."""
from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("caikit-compose")
    except PackageNotFoundError:  # running from a source tree that is not installed
        __version__ = "unknown"
except ImportError:  # pragma: no cover
    __version__ = "unknown"

__all__ = ["__version__"]
