"""Configure alog from caikit's ``log`` config section."""
from __future__ import annotations

from typing import Any


def configure_logging(log_config: Any = None) -> None:
    """Apply ``log.level``, ``log.filters``, ``log.formatter`` and ``log.thread_id``.

    Args:
        log_config: the ``log`` section; defaults to ``caikit.get_config().log``
    """
    import alog

    if log_config is None:
        from caikit.config import get_config

        log_config = get_config().log
    alog.configure(
        default_level=log_config.level or "info",
        filters=log_config.filters or "",
        formatter=log_config.formatter or "json",
        thread_id=bool(log_config.thread_id),
    )
