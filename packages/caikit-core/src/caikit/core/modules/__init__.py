"""Modules: model algorithms with train, save, load and run.

Public API: :class:`ModuleBase`, :func:`module`, :class:`ModuleConfig`, :class:`ModuleSaver`,
:class:`ModuleLoader`, and the errors :class:`ModelConfigNotFoundError` and
:class:`InvalidModelConfigError`.
"""
from .base import ModuleBase
from .config import InvalidModelConfigError, ModelConfigNotFoundError, ModuleConfig
from .decorator import module
from .loader import ModuleLoader
from .saver import ModuleSaver

__all__ = [
    "InvalidModelConfigError",
    "ModelConfigNotFoundError",
    "ModuleBase",
    "ModuleConfig",
    "ModuleLoader",
    "ModuleSaver",
    "module",
]
