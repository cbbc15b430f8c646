"""What runs inside a training thread or subprocess.

A module-level function so that ``spawn`` can import it in the child process.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

__all__ = ["train_and_save"]


def train_and_save(
    module_class: Any,
    args: Sequence[Any],
    kwargs: Dict[str, Any],
    save_path: Optional[str],
    return_model: bool = True,
    config_snapshot: Optional[dict] = None,
) -> Any:
    """Train ``module_class`` and save the model to ``save_path`` (if given).

    Args:
        module_class: the ``@module`` class
        args, kwargs: the arguments of its ``train``
        save_path: where to save; None to keep the model in memory only
        return_model: return the model (False in a subprocess that saved it, so the model is
            not pickled back for nothing)
        config_snapshot: the parent's ``caikit.config.snapshot()``, adopted first (in a
            subprocess, so that training sees the parent's ``configure`` calls)

    Returns:
        the trained model, or None when ``return_model`` is False

    Raises:
        TypeError: ``train`` did not return a module instance
        Exception: whatever ``train`` or ``save`` raised
    """
    from ..modules.base import ModuleBase

    if config_snapshot is not None:
        from ...config import adopt_snapshot

        adopt_snapshot(config_snapshot)
    model = module_class.train(*args, **kwargs)
    if not isinstance(model, ModuleBase):
        raise TypeError(
            f"{module_class.__qualname__}.train() must return an instance of a module, got {model!r}"
        )
    if save_path is not None:
        model.save(save_path)
    return model if return_model else None
