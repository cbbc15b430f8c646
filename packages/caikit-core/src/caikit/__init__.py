"""caikit: a toolkit for building, serving and composing AI applications.

The ``caikit`` namespace is split across distributions (caikit-core, caikit-runtime,
caikit-interfaces-*); ``extend_path`` lets every installed distribution contribute its
sub-packages, whether it was installed as a wheel or in editable mode.

Everything exported here is imported lazily (PEP 562) so that ``import caikit`` stays cheap.
"""
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

import importlib as _importlib

__all__ = ["config", "configure", "core", "get_config", "interfaces", "load", "train"]

# name -> (module, attribute or None for the module itself)
_LAZY = {
    "configure": ("caikit.config", "configure"),
    "get_config": ("caikit.config", "get_config"),
    "load": ("caikit.core.model_manager", "load"),
    "train": ("caikit.core.model_manager", "train"),
    "core": ("caikit.core", None),
    "config": ("caikit.config", None),
    "interfaces": ("caikit.interfaces", None),
}


def __getattr__(name: str):
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'caikit' has no attribute {name!r}") from None
    module = _importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
