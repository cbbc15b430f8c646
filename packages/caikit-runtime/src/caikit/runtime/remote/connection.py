"""How to reach the remote runtime: one gRPC channel per distinct connection config."""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple

__all__ = ["RemoteConnection"]

_CHANNELS: Dict[Tuple, Any] = {}
_LOCK = threading.Lock()


def _read(path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    with open(path, "rb") as handle:
        return handle.read()


class RemoteConnection:
    """A remote runtime address with optional (mutual) TLS.

    Args:
        config: ``{hostname, port, timeout, options, tls: {enabled, ca_file, cert_file,
            key_file}}`` (a mapping; missing keys take defaults)

    Raises:
        ValueError: no hostname
    """

    def __init__(self, config: Any):
        config = dict(config or {})
        self.hostname = str(config.get("hostname") or "")
        if not self.hostname:
            raise ValueError(f"A REMOTE connection needs a hostname, got {config!r}")
        self.port = int(config.get("port") or 8085)
        self.timeout = float(config.get("timeout") or 30)
        tls = dict(config.get("tls") or {})
        self.tls = bool(tls.get("enabled"))
        self.ca_file = tls.get("ca_file")
        self.cert_file = tls.get("cert_file")
        self.key_file = tls.get("key_file")
        self.options = tuple(sorted((str(k), v) for k, v in dict(config.get("options") or {}).items()))

    @property
    def target(self) -> str:
        """``host:port``."""
        return f"{self.hostname}:{self.port}"

    def key(self) -> Tuple:
        """What identifies the channel."""
        return (self.target, self.tls, self.ca_file, self.cert_file, self.key_file, self.options)

    def channel(self) -> Any:
        """The shared channel of this connection (created on first use)."""
        import grpc

        key = self.key()
        with _LOCK:
            channel = _CHANNELS.get(key)
            if channel is None:
                if self.tls:
                    credentials = grpc.ssl_channel_credentials(
                        root_certificates=_read(self.ca_file),
                        private_key=_read(self.key_file),
                        certificate_chain=_read(self.cert_file),
                    )
                    channel = grpc.secure_channel(self.target, credentials, options=list(self.options))
                else:
                    channel = grpc.insecure_channel(self.target, options=list(self.options))
                _CHANNELS[key] = channel
            return channel

    def as_dict(self) -> Dict[str, Any]:
        """A plain-dict form (stored in the remote ModuleConfig)."""
        return {
            "hostname": self.hostname,
            "port": self.port,
            "timeout": self.timeout,
            "options": dict(self.options),
            "tls": {"enabled": self.tls, "ca_file": self.ca_file, "cert_file": self.cert_file, "key_file": self.key_file},
        }
