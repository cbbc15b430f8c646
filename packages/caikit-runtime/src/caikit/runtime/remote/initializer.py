"""The REMOTE model initializer: a remote ModuleConfig -> a proxy instance of the module class.

The proxy's class is a subclass of the model's module class (which must be importable here,
as for any caikit client) made once per module class; its inference methods -- the ones the
module binds to its tasks -- call the remote runtime instead of running locally. It keeps
``MODULE_ID``, the tasks and the signatures, so the runtime serves it like the real module.
Configs that are not remote are loaded by a LOCAL initializer.
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
from typing import Any, Dict, List, Optional

from caikit.core.model_management.model_initializer_base import ModelInitializerBase
from caikit.core.modules.config import ModuleConfig

from ..names import Flavour
from ..service_generation.field_types import element_type, is_stream_type, split_optional
from .client import RemoteMethod
from .connection import RemoteConnection
from .finder import REMOTE_CONFIG_KEY

__all__ = ["RemoteModelInitializer", "remote_proxy_class"]

log = logging.getLogger("caikit.runtime.remote")

_PROXY_CLASSES: Dict[type, type] = {}
_LOCK = threading.Lock()


def _output_type(task: type, flavour: Flavour, signature: Any) -> Any:
    try:
        output = task.get_output_type(flavour.output_streaming)
    except ValueError:
        output = signature.return_type
    output, _ = split_optional(output)
    if flavour.output_streaming and is_stream_type(output):
        output = element_type(output)
    return output


def _streamed(task: type, flavour: Flavour, signature: Any) -> List[str]:
    if not flavour.input_streaming:
        return []
    declared = task.get_required_parameters(True)
    return [n for n, t in signature.parameters.items() if n in declared and is_stream_type(split_optional(t)[0])]


def _proxy_method(method_name: str, signature: Any, task: type, flavour: Flavour) -> Any:
    original = getattr(signature, "method", None)
    python_signature = inspect.signature(original) if original is not None else None
    output_type = _output_type(task, flavour, signature)
    streamed = _streamed(task, flavour, signature)

    def call_remote(self: Any, *args: Any, **kwargs: Any) -> Any:
        if args and python_signature is not None:
            bound = python_signature.bind(self, *args, **kwargs)
            kwargs = {k: v for k, v in list(bound.arguments.items())[1:]}
        remote = self._caikit_remote_methods.get((task, flavour))
        if remote is None:
            remote = RemoteMethod(self._caikit_remote_connection, self._caikit_remote_key, self._caikit_remote_name, task, flavour, output_type, streamed)
            self._caikit_remote_methods[(task, flavour)] = remote
        if signature.context_arg:
            kwargs.pop(signature.context_arg, None)
        return remote(**kwargs)

    if original is not None:
        functools.update_wrapper(call_remote, original)
    call_remote.__name__ = method_name
    return call_remote


def remote_proxy_class(module_class: type) -> type:
    """The proxy subclass of ``module_class`` (made once)."""
    with _LOCK:
        proxy = _PROXY_CLASSES.get(module_class)
        if proxy is not None:
            return proxy
        namespace: Dict[str, Any] = {"__module__": module_class.__module__, "__doc__": f"Remote proxy of {module_class.__name__}."}
        for task in module_class.tasks:
            for input_streaming, output_streaming, signature in module_class.get_inference_signatures(task):
                flavour = Flavour.of(input_streaming, output_streaming)
                namespace[signature.method_name] = _proxy_method(signature.method_name, signature, task, flavour)

        def _not_local(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"A remote {module_class.__name__} model cannot be saved or trained here")

        namespace["save"] = _not_local
        proxy = type(f"Remote{module_class.__name__}", (module_class,), namespace)
        _PROXY_CLASSES[module_class] = proxy
        return proxy


class RemoteModelInitializer(ModelInitializerBase):
    """Builds remote proxies for remote configs; loads the rest with a LOCAL initializer."""

    name = "REMOTE"

    def __init__(self, config: Any, instance_name: str):
        super().__init__(config, instance_name)
        self._local: Optional[Any] = None

    def _local_initializer(self) -> Any:
        if self._local is None:
            from caikit.core.model_management.local_initializer import LocalModelInitializer

            self._local = LocalModelInitializer((self._config or {}).get("local") or {}, f"{self.instance_name}-local")
        return self._local

    def init(self, model_config: ModuleConfig, **kwargs: Any) -> Optional[Any]:
        """A proxy for a remote config (None if its module id is unknown here); other configs
        are loaded locally."""
        remote = model_config.get(REMOTE_CONFIG_KEY)
        if not remote:
            return self._local_initializer().init(model_config, **kwargs)
        from caikit.core.registries import module_registry

        module_class = module_registry().get(model_config.get("module_id"))
        if module_class is None:
            log.warning(
                "Remote model %r has module id %r, which is not registered here: import its library",
                remote.get("model_name"), model_config.get("module_id"),
            )
            return None
        proxy_class = remote_proxy_class(module_class)
        instance = proxy_class.__new__(proxy_class)
        instance._caikit_remote_connection = RemoteConnection(remote.get("connection"))
        instance._caikit_remote_key = str(remote.get("model_key") or "mm-model-id")
        instance._caikit_remote_name = str(remote.get("model_name"))
        instance._caikit_remote_methods = {}
        return instance
