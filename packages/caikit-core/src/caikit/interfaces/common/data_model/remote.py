"""How to reach a remote service (used by remote model finders / initializers)."""

from typing import Optional, Union

from caikit.core.data_model import DataObjectBase, JsonDict, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class ConnectionTlsInfo(DataObjectBase):
    """TLS settings of a connection: off, and verifying the server, unless set."""

    enabled: Optional[bool] = None
    insecure_verify: Optional[bool] = None
    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None

    def __post_init__(self) -> None:
        # the defaults caikit 0.29.1 fills in (the proto fields keep their presence)
        if self.enabled is None:
            self.enabled = False
        if self.insecure_verify is None:
            self.insecure_verify = False


@dataobject(package=COMMON_PACKAGE)
class ConnectionInfo(DataObjectBase):
    """Host, port, TLS, timeouts and retry settings of a connection.

    Unset fields get caikit 0.29.1's defaults at construction (from JSON and protobuf too):
    TLS off, port 443 with TLS and 80 without, a 60 s timeout, one retry, no options and no
    session age limit (-1). Unlike 0.29.1, ``tls=None`` means the default rather than an
    ``AttributeError``, and a timeout or retry count missing from JSON is the default, not 0.
    """

    hostname: str
    port: Optional[int] = None
    tls: Optional[ConnectionTlsInfo] = None
    timeout: Optional[int] = None
    options: Optional[JsonDict] = None
    retries: Optional[int] = None
    retry_options: Optional[JsonDict] = None
    max_session_age: Union[float, int] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.tls is None:
            self.tls = ConnectionTlsInfo()
        if not self.port:
            self.port = 443 if self.tls.enabled else 80
        if self.timeout is None:
            self.timeout = 60
        if self.options is None:
            self.options = {}
        if self.retries is None:
            self.retries = 1
        if self.retry_options is None:
            self.retry_options = {}
        if self.max_session_age is None:
            self.max_session_age = -1
