"""The runtime's models: which are served, loading them, and where they may live.

* :mod:`.model_manager` -- :class:`ModelManager` / :func:`get_model_manager`
* :mod:`.model_ids` -- model-id validation (no ``..``, absolute paths, NUL, escaping symlinks)
* :mod:`.loaded_model` -- :class:`LoadedModel`
"""
from .loaded_model import DEFAULT_MODEL_TYPE, LoadedModel
from .model_ids import InvalidModelIdError, check_model_id, model_dir_path
from .model_manager import ModelManager, get_model_manager, reset_model_manager

__all__ = [
    "DEFAULT_MODEL_TYPE",
    "InvalidModelIdError",
    "LoadedModel",
    "ModelManager",
    "check_model_id",
    "get_model_manager",
    "model_dir_path",
    "reset_model_manager",
]
