"""TLS settings of ``runtime.tls.*``, read once for both servers.

``runtime.tls.server.key`` / ``.cert`` hold a PEM file path or the PEM text itself; both set
turns TLS on. ``runtime.tls.client.cert`` (the CA that signs client certificates) turns on
mutual TLS: clients without a certificate from that CA are refused.

API: :func:`tls_settings` -> :class:`TLSSettings` (``enabled``, ``mutual``, ``server_key``,
``server_cert``, ``client_ca`` as bytes, plus ``*_path`` for servers that need files).
"""
from __future__ import annotations

import os
import re
import tempfile
from typing import Any, Optional

__all__ = ["TLSConfigError", "TLSSettings", "read_pem", "tls_settings"]


class TLSConfigError(ValueError):
    """A TLS setting is neither a readable PEM file nor PEM text."""


class TLSSettings:
    """Resolved TLS material (PEM bytes); empty when TLS is off."""

    __slots__ = ("client_ca", "server_cert", "server_key")

    def __init__(self, server_key: bytes = b"", server_cert: bytes = b"", client_ca: bytes = b""):
        self.server_key = server_key
        self.server_cert = server_cert
        self.client_ca = client_ca

    def __repr__(self) -> str:  # never the key itself
        return f"TLSSettings(enabled={self.enabled!r}, mutual={self.mutual!r})"

    @property
    def enabled(self) -> bool:
        """Server key and certificate are both set."""
        return bool(self.server_key and self.server_cert)

    @property
    def mutual(self) -> bool:
        """Clients must present a certificate signed by ``client_ca``."""
        return self.enabled and bool(self.client_ca)

    def as_files(self) -> TLSFiles:
        """The same material written to private temporary files (for servers that read paths)."""
        return TLSFiles(
            _to_file(self.server_key, "key"), _to_file(self.server_cert, "cert"),
            _to_file(self.client_ca, "ca") if self.client_ca else None,
        )


class TLSFiles:
    """Paths of PEM files (temporary, mode 0600)."""

    __slots__ = ("cert", "client_ca", "key")

    def __init__(self, key: str, cert: str, client_ca: Optional[str]):
        self.key = key
        self.cert = cert
        self.client_ca = client_ca


def _to_file(data: bytes, kind: str) -> str:
    handle, path = tempfile.mkstemp(prefix=f"caikit-tls-{kind}-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return path


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def _normalize_pem(text: str) -> str:
    """Rebuild PEM blocks whose line breaks were folded into spaces (as happens to multi-line
    values passed through environment variables and parsed as YAML)."""
    blocks = []
    for label, body in _PEM_BLOCK.findall(text):
        data = "".join(body.split())
        lines = [data[i : i + 64] for i in range(0, len(data), 64)]
        blocks.append("\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]))
    return "\n".join(blocks) + "\n" if blocks else text


def read_pem(value: Any, setting: str) -> bytes:
    """PEM bytes from a path or inline PEM text; b"" for an empty setting.

    Raises:
        TLSConfigError: the value is neither PEM text nor a readable file
    """
    if not value:
        return b""
    text = str(value)
    if "-----BEGIN" in text:
        return _normalize_pem(text).encode("utf-8")
    try:
        with open(text, "rb") as handle:
            return handle.read()
    except OSError as err:
        raise TLSConfigError(f"{setting}: {text!r} is neither PEM text nor a readable file ({err})") from err


def tls_settings(config: Any = None) -> TLSSettings:
    """The TLS settings of ``config`` (default: the current caikit config).

    Raises:
        TLSConfigError: a file cannot be read, or only one of server key / cert is set
    """
    if config is None:
        from caikit.config import get_config

        config = get_config()
    tls = config.runtime.tls
    key = read_pem(tls.server.key, "runtime.tls.server.key")
    cert = read_pem(tls.server.cert, "runtime.tls.server.cert")
    if bool(key) != bool(cert):
        raise TLSConfigError(
            "runtime.tls.server.key and runtime.tls.server.cert must be set together "
            f"(key set: {bool(key)!r}, cert set: {bool(cert)!r})"
        )
    client_ca = read_pem(tls.client.cert, "runtime.tls.client.cert") if key else b""
    return TLSSettings(key, cert, client_ca)
