"""Service generation: from the served modules to transport-neutral service descriptions.

Use :func:`get_services` (see :mod:`.services`) to get the :class:`RuntimeServices` of the
current configuration. Modules:

* :mod:`.library` -- which modules and tasks are served
* :mod:`.inference` -- ``TaskRPC`` / ``MethodBinding`` (request -> model call)
* :mod:`.training` -- ``TrainRPC`` (train request -> ``train()`` kwargs, data stream sources)
* :mod:`.specs` -- ``ServiceSpec`` / ``RPCSpec``
* :mod:`.proto_files` -- service descriptors in protobuf's default pool
* :mod:`.messages` -- generated request dataobjects
"""
from .services import JobRPC, RuntimeServices, generate_services, get_services, reset_services
from .specs import RPCSpec, ServiceSpec

__all__ = ["JobRPC", "RPCSpec", "RuntimeServices", "ServiceSpec", "generate_services", "get_services", "reset_services"]
