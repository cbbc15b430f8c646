"""The REMOTE model finder: a model name -> a ModuleConfig that points at a remote runtime."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from caikit.core.model_management.model_finder_base import ModelFinderBase
from caikit.core.modules.config import ModuleConfig

from .connection import RemoteConnection

__all__ = ["REMOTE_CONFIG_KEY", "RemoteModelFinder"]

log = logging.getLogger("caikit.runtime.remote")

#: The key of a ModuleConfig that marks it remote (holds connection, model_key, model_name)
REMOTE_CONFIG_KEY = "remote"


class RemoteModelFinder(ModelFinderBase):
    """Finds models served by another runtime (see :mod:`caikit.runtime.remote`)."""

    name = "REMOTE"

    def __init__(self, config: Any, instance_name: str):
        """
        Raises:
            ValueError: no ``connection.hostname``
        """
        super().__init__(config, instance_name)
        config = config or {}
        self.connection = RemoteConnection(config.get("connection"))
        self.model_key = str(config.get("model_key") or "mm-model-id")
        self.discover = config.get("discover_models", True) is not False
        self.supported: Dict[str, str] = {str(k): str(v) for k, v in dict(config.get("supported_models") or {}).items()}

    def _discover_module_id(self, model_name: str) -> Optional[str]:
        import grpc
        from caikit.interfaces.runtime.data_model import ModelInfoRequest, ModelInfoResponse

        call = self.connection.channel().unary_unary(
            "/caikit.runtime.info.InfoService/GetModelsInfo",
            request_serializer=lambda m: m.to_binary_buffer(),
            response_deserializer=ModelInfoResponse.from_binary_buffer,
        )
        try:
            response = call(ModelInfoRequest(model_ids=[model_name]), timeout=self.connection.timeout)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        for info in response.models or []:
            if info.name == model_name and info.module_id:
                return info.module_id
        return None

    def find_model(self, model_path: str, **kwargs: Any) -> Optional[ModuleConfig]:
        """The remote config of ``model_path`` (a model name), or None if the remote does not
        serve it.

        Raises:
            grpc.RpcError: the remote runtime cannot be asked (other than NOT_FOUND)
        """
        model_name = str(model_path)
        module_id = self.supported.get(model_name)
        if module_id is None and self.discover:
            module_id = self._discover_module_id(model_name)
        if module_id is None:
            log.debug("Remote %s does not serve %r", self.connection.target, model_name)
            return None
        return ModuleConfig(
            {
                "module_id": module_id,
                "name": model_name,
                REMOTE_CONFIG_KEY: {
                    "connection": self.connection.as_dict(),
                    "model_key": self.model_key,
                    "model_name": model_name,
                },
            }
        )
