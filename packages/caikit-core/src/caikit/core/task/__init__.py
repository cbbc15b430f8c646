"""Tasks: abstract inference signatures that modules implement.

Public API: :class:`TaskBase`, :func:`task`, :class:`TaskMethodPtr`, and the errors
:class:`TaskDefinitionError` (bad ``@task``) and :class:`TaskSignatureError` (a module method
that does not fit its task).

``caikit.core.task`` is both this module and, as caikit users write
``from caikit.core import task``, the decorator: once this submodule is imported, Python binds
the *module* to the ``task`` attribute of ``caikit.core``. The module is therefore callable and
calling it is calling :func:`task`, so ``@task(...)`` works whichever of the two a user gets.
"""
import sys as _sys
import types as _types

from ._base import TaskBase, TaskMethodPtr
from ._decorator import task
from ._errors import TaskDefinitionError, TaskSignatureError

__all__ = ["TaskBase", "TaskDefinitionError", "TaskMethodPtr", "TaskSignatureError", "task"]


class _CallableTaskModule(_types.ModuleType):
    """This module's type: calling the module calls the ``task`` decorator."""

    def __call__(self, *args, **kwargs):
        return task(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableTaskModule
