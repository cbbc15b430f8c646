"""The runtime's gRPC server.

``RuntimeGRPCServer`` (see :mod:`.server`) serves the services generated from
``runtime.library``, ``mmesh.ModelRuntime``, gRPC health and server reflection; each generated
service is also exposed as a :class:`~.service_package.ServicePackage` (``stub_class``,
``messages``) for clients. Run it alone with ``python -m caikit.runtime.grpc_server``.
"""
from .server import RuntimeGRPCServer
from .service_package import ServicePackage

__all__ = ["RuntimeGRPCServer", "ServicePackage"]
