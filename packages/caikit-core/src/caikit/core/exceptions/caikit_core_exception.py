"""An exception that carries a transport-neutral status code.

Model code raises it to tell the runtime which status to answer with (NOT_FOUND becomes gRPC
NOT_FOUND and HTTP 404, and so on) without depending on grpc or HTTP.
"""
import enum
import uuid
from typing import Any, Optional


class CaikitCoreStatusCode(enum.Enum):
    """What went wrong, independent of the transport."""

    NOT_FOUND = 1
    INVALID_ARGUMENT = 2
    CONNECTION_ERROR = 3
    UNAUTHORIZED = 4
    FORBIDDEN = 5
    UNKNOWN = 6
    FATAL = 7


class CaikitCoreException(Exception):
    """An error with a status code, a message and a unique id for correlating logs."""

    def __init__(self, status_code: CaikitCoreStatusCode, message: str, metadata: Optional[dict] = None):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.metadata = metadata or {}
        self.id = uuid.uuid4().hex

    def __repr__(self) -> str:
        return f"CaikitCoreException({self.status_code.name}, {self.message!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self.status_code, self.message, self.metadata))
