"""caikit.core: the AI data and model abstractions and the useful tools beneath them.

Names are exported lazily (PEP 562) so that importing ``caikit.core`` does not pay for
protobuf, entry points or the module registry until they are used.
"""
import importlib as _importlib

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


def __getattr__(name: str):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'caikit.core' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
