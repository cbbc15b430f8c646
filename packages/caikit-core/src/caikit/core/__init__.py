"""caikit.core: the AI data and model abstractions and the useful tools beneath them.

Names are exported lazily (PEP 562) so that importing ``caikit.core`` does not pay for
protobuf, entry points or the module registry until they are used.
"""
from caikit.core.toolkit.lazy_exports import lazy_exports as _lazy_exports

# public name -> defining module
_LAZY = {
    # data model
    "DataBase": "caikit.core.data_model",
    "DataObjectBase": "caikit.core.data_model",
    "dataobject": "caikit.core.data_model",
    "DataStream": "caikit.core.data_model",
    # modules and tasks
    "ModuleBase": "caikit.core.modules",
    "ModuleConfig": "caikit.core.modules",
    "ModuleLoader": "caikit.core.modules",
    "ModuleSaver": "caikit.core.modules",
    "module": "caikit.core.modules",
    "TaskBase": "caikit.core.task",
    "task": "caikit.core.task",
    # model management
    "MODEL_MANAGER": "caikit.core.model_manager",
    "ModelManager": "caikit.core.model_manager",
    # errors
    "CaikitCoreException": "caikit.core.exceptions",
    "CaikitCoreStatusCode": "caikit.core.exceptions",
}

__all__ = sorted(_LAZY)
__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
