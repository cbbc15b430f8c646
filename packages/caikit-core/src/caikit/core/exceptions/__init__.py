"""Errors and error reporting for caikit."""
from . import error_handler
from .caikit_core_exception import CaikitCoreException, CaikitCoreStatusCode

__all__ = ["CaikitCoreException", "CaikitCoreStatusCode", "error_handler"]
