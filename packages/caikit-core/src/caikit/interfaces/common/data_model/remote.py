"""How to reach a remote service (used by remote model finders / initializers)."""

from typing import Optional, Union

from caikit.core.data_model import DataObjectBase, JsonDict, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class ConnectionTlsInfo(DataObjectBase):
    """TLS settings of a connection; unset fields take the client's defaults."""

    enabled: Optional[bool] = None
    insecure_verify: Optional[bool] = None
    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None


@dataobject(package=COMMON_PACKAGE)
class ConnectionInfo(DataObjectBase):
    """Host, port, TLS, timeouts and retry settings of a connection."""

    hostname: str
    port: Optional[int] = None
    tls: Optional[ConnectionTlsInfo] = None
    timeout: Optional[int] = None
    options: Optional[JsonDict] = None
    retries: Optional[int] = None
    retry_options: Optional[JsonDict] = None
    max_session_age: Union[float, int] = None  # type: ignore[assignment]
