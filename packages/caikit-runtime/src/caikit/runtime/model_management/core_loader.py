"""The one place the runtime asks caikit.core to load a model.

Kept separate so the model manager does not depend on how core's model manager is spelled,
and so tests can see exactly what the runtime hands to core.
"""
from __future__ import annotations

from typing import Any

__all__ = ["finders_accept_bare_ids", "load"]


def load(path: str) -> Any:
    """Load the model at ``path`` with core's default finder and initializer."""
    from caikit.core.model_manager import MODEL_MANAGER

    return MODEL_MANAGER.load(path)


def finders_accept_bare_ids() -> bool:
    """Whether the default finder resolves ids that are not paths (any finder but LOCAL).

    The LOCAL finder would read a bare id relative to the working directory, i.e. outside
    ``local_models_dir``; only "ephemeral" finders such as REMOTE get bare ids.
    """
    from caikit.config import get_config

    finders = (get_config().model_management or {}).get("finders") or {}
    default = finders.get("default") or {}
    return (default.get("type") or "LOCAL") != "LOCAL"
