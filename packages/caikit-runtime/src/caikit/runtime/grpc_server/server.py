"""``RuntimeGRPCServer``: the generated services, ModelMesh's SPI, health and reflection on one
grpcio server (and, with training, caikit 0.29.1's legacy ``processproto.Process``, see
:mod:`caikit.runtime.grpc_server._process`).

Usage::

    with RuntimeGRPCServer() as server:          # start(blocking=False) ... stop(0)
        channel = server.make_local_channel()
        stub = server.inference_service.stub_class(channel)
        stub.GreetingTaskPredict(
            server.inference_service.messages.GreetingTaskRequest(name="Gabe"),
            metadata=[("mm-model-id", "greeter")],
        )

Settings (``runtime.*``): ``grpc.port`` (0 picks a free port; ``server.port`` tells which),
``grpc.max_message_bytes`` (larger messages get RESOURCE_EXHAUSTED),
``grpc.maximum_concurrent_rpcs`` (calls beyond it get RESOURCE_EXHAUSTED),
``grpc.options`` (extra channel arguments), ``server_thread_pool_size``, ``tls.*``,
``metrics.*``, ``metering.*`` (see :mod:`caikit.runtime.metering`),
``grpc.server_shutdown_grace_period_seconds`` (for :meth:`stop` without a
grace), ``use_abortable_threads`` (cancel the model's work when the call ends early),
``grpc.interceptors`` (entry points of ``caikit.runtime.grpc_interceptors``, outermost first,
see :mod:`caikit.runtime.extensions`; they see every call grpc admits: the message size and
concurrency limits are applied by grpc before any interceptor runs).
"""
from __future__ import annotations

import gc
import logging
import os
import threading
from typing import Any, Dict, List, Optional

import grpc

from ..extensions import grpc_interceptors
from ..metering import MeteredMetrics, meter_for_server
from ..metrics import get_metrics
from ..model_management.model_manager import get_model_manager
from ..service_generation import get_services
from ..thread_pool import get_thread_pool
from ..tls import tls_settings
from ._inference import make_inference_handler
from ._management import (
    info_handlers,
    job_handlers,
    model_management_handlers,
    train_handlers,
    training_management_handlers,
)
from .service_package import ServicePackage, make_service_package

__all__ = ["RuntimeGRPCServer"]

log = logging.getLogger("caikit.runtime.grpc")

#: ModelMesh's unix socket, served too when its directory exists
MMESH_SOCKET_DIR = "/tmp/mmesh"


class RuntimeGRPCServer:
    """The runtime's gRPC server (see the module docstring).

    Args:
        port: override ``runtime.grpc.port``

    Raises:
        OSError: the port cannot be bound
        TLSConfigError: unreadable TLS material
        ImportError / TypeError: ``runtime.library`` cannot be served
        ExtensionError: a configured interceptor cannot be used (the message names it)
        MeteringConfigError: ``runtime.metering`` cannot be used (bad value, unwritable
            ``log_dir``; the message names the key)
    """

    def __init__(self, port: Optional[int] = None):
        from caikit.config import get_config

        config = get_config()
        runtime = config.runtime
        # first: a misconfigured interceptor fails start-up before anything is generated
        interceptors = grpc_interceptors(runtime.grpc.interceptors)
        self._config = config
        self._runtime = runtime
        self._grace_default = float(runtime.grpc.server_shutdown_grace_period_seconds or 0)
        self._abortable = runtime.use_abortable_threads is not False
        # the inference service first; the rest is generated when first needed (see start())
        self.services = get_services(runtime, complete=False)
        self.model_manager = get_model_manager()
        self.metrics = get_metrics()
        self.metrics.loaded_models = self.model_manager.loaded_count
        # runtime.metering: None when off, and the handlers get the metrics themselves
        self.meter = meter_for_server(runtime, self.model_manager)
        self._handler_metrics: Any = self.metrics if self.meter is None else MeteredMetrics(self.metrics, self.meter)
        self._tls = tls_settings(config)
        self._ready = threading.Event()
        self._completed = threading.Event()
        self._complete_lock = threading.Lock()
        self._complete_error: Optional[BaseException] = None
        self._started = False
        self._stopped = threading.Event()
        self._health: Any = None
        self._packages: Dict[str, Optional[ServicePackage]] = {}

        self.inference_service = self._package(self.services.inference)

        self._executor = get_thread_pool()
        max_bytes = int(runtime.grpc.max_message_bytes or 0)
        options: List[tuple] = [("grpc.so_reuseport", 0)]
        if max_bytes > 0:
            options += [("grpc.max_receive_message_length", max_bytes), ("grpc.max_send_message_length", max_bytes)]
        options += [(str(k), v) for k, v in dict(runtime.grpc.options or {}).items()]
        max_rpcs = int(runtime.grpc.maximum_concurrent_rpcs or 0) or None
        # no interceptors: None, so grpc takes its path without an interceptor pipeline
        self.server = grpc.server(
            self._executor, interceptors=interceptors or None, options=options, maximum_concurrent_rpcs=max_rpcs
        )

        self._service_names: List[str] = []
        self._register_inference()

        requested = runtime.grpc.port if port is None else port
        self.port = self._bind(int(requested or 0))

    # -- service packages (clients) ---------------------------------------------------------

    @property
    def inference_job_service(self) -> Optional[ServicePackage]:
        """The prediction-job service (None when disabled)."""
        return self._completed_package("jobs")

    @property
    def training_service(self) -> Optional[ServicePackage]:
        """The training service (None when disabled)."""
        return self._completed_package("training")

    @property
    def training_management_service(self) -> Optional[ServicePackage]:
        """``caikit.runtime.training.TrainingManagement`` (None when training is disabled)."""
        return self._completed_package("training_management")

    @property
    def model_management_service(self) -> Optional[ServicePackage]:
        """``caikit.runtime.models.ModelManagement``."""
        return self._completed_package("model_management")

    @property
    def runtime_info_service(self) -> Optional[ServicePackage]:
        """``caikit.runtime.info.InfoService``."""
        return self._completed_package("info")

    def _completed_package(self, kind: str) -> Optional[ServicePackage]:
        self.wait_until_complete()
        return self._packages.get(kind)

    # -- construction -----------------------------------------------------------------------

    @staticmethod
    def _package(spec: Any) -> Optional[ServicePackage]:
        return make_service_package(spec) if spec is not None else None

    def _add(
        self,
        service_name: str,
        handlers: Dict[str, grpc.RpcMethodHandler],
        registered: bool = True,
        listed: bool = True,
    ) -> None:
        # registered methods are matched by grpc core (no Python lookup per call) but can only
        # be added before the server starts; the generic handler works at any time
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, handlers),))
        if registered:
            self.server.add_registered_method_handlers(service_name, handlers)
        if listed:  # listed by reflection and service_names
            self._service_names.append(service_name)

    def _register_inference(self) -> None:
        """What a first answer needs: the inference service and ModelMesh's SPI."""
        from ..mmesh import descriptors
        from ._mmesh import mmesh_handlers

        inference = self.services.inference
        if inference is not None:
            handlers = {
                rpc.name: make_inference_handler(rpc, self.model_manager, self._handler_metrics, self._abortable)
                for rpc in inference.rpcs
            }
            self._add(inference.full_name, handlers)
        descriptors.messages()  # the mmesh file must be in the pool for reflection
        mm_config = (self._config.inference_plugin or {}).get("model_mesh") or {}
        self._add(descriptors.SERVICE_NAME, mmesh_handlers(self.model_manager, mm_config, self._ready.is_set))

    def _complete(self) -> None:
        """Generate and register the other services, health and reflection (once)."""
        with self._complete_lock:
            if self._completed.is_set():
                return
            registered = not self._started
            try:
                self._register_rest(registered)
            except BaseException as err:
                self._complete_error = err
                log.exception("Registering the gRPC services failed")
            finally:
                self._completed.set()

    def _register_rest(self, registered: bool) -> None:
        from ..training_management import get_training_manager

        services = get_services(self._runtime)
        for kind in ("jobs", "training", "training_management", "model_management", "info"):
            self._packages[kind] = self._package(getattr(services, kind))
        if services.jobs is not None:
            from ..prediction_jobs import get_job_manager

            self._add(services.jobs.full_name, job_handlers(services.jobs, self.model_manager, get_job_manager()), registered)
        if services.training is not None:
            training_manager = get_training_manager()
            self._add(services.training.full_name, train_handlers(services.training, training_manager), registered)
            self._add(
                services.training_management.full_name,
                training_management_handlers(services.training_management, training_manager),
                registered,
            )
            # caikit 0.29.1's legacy train-by-dict service: with training, not in reflection
            from ._process import SERVICE_NAME as PROCESS_SERVICE
            from ._process import process_handlers

            self._add(PROCESS_SERVICE, process_handlers(services.training, training_manager), registered, listed=False)
        if services.model_management is not None:
            self._add(
                services.model_management.full_name,
                model_management_handlers(services.model_management, self.model_manager),
                registered,
            )
        self._add(services.info.full_name, info_handlers(services.info, self.model_manager), registered)
        self._health = self._add_health()
        self._add_reflection()
        if self._ready.is_set():
            self._health.set("", _serving())

    def wait_until_complete(self, timeout: Optional[float] = None) -> None:
        """Block until every service is registered (at once when not started yet).

        Raises:
            TimeoutError: not complete within ``timeout`` seconds
            Exception: what registering the services raised
        """
        if not self._started:
            self._complete()
        if not self._completed.wait(timeout):
            raise TimeoutError(f"gRPC services not registered within {timeout} s")
        if self._complete_error is not None:
            raise self._complete_error

    def _add_health(self) -> Any:
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc

        servicer = health.HealthServicer(experimental_non_blocking=True)
        status = health_pb2.HealthCheckResponse
        handlers = {
            "Check": grpc.unary_unary_rpc_method_handler(
                servicer.Check,
                request_deserializer=health_pb2.HealthCheckRequest.FromString,
                response_serializer=status.SerializeToString,
            ),
            "Watch": grpc.unary_stream_rpc_method_handler(
                servicer.Watch,
                request_deserializer=health_pb2.HealthCheckRequest.FromString,
                response_serializer=status.SerializeToString,
            ),
        }
        del health_pb2_grpc  # handlers are built here so they can be added after start
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("grpc.health.v1.Health", handlers),))
        servicer.set("", status.NOT_SERVING)
        return servicer

    def _add_reflection(self) -> None:
        from grpc_reflection.v1alpha import reflection, reflection_pb2

        names = [*list(self._service_names), reflection.SERVICE_NAME]
        servicer = reflection.ReflectionServicer(names)
        handler = grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
        )
        self.server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(reflection.SERVICE_NAME, {"ServerReflectionInfo": handler}),)
        )

    def _credentials(self) -> Any:
        tls = self._tls
        if not tls.enabled:
            return None
        root = (tls.client_ca + b"\n" + tls.server_cert) if tls.mutual else None
        return grpc.ssl_server_credentials(
            [(tls.server_key, tls.server_cert)], root_certificates=root, require_client_auth=tls.mutual
        )

    def _bind(self, port: int) -> int:
        credentials = self._credentials()
        bound = 0
        errors = []
        for host in ("[::]", "0.0.0.0"):
            address = f"{host}:{port}"
            try:
                if credentials is None:
                    bound = self.server.add_insecure_port(address)
                else:
                    bound = self.server.add_secure_port(address, credentials)
            except RuntimeError as err:
                errors.append(f"{address}: {err}")
                continue
            if bound:
                break
        if not bound:
            raise OSError(f"Cannot bind the gRPC server to port {port}: {'; '.join(errors) or 'address in use'}")
        if os.path.isdir(MMESH_SOCKET_DIR):
            socket_address = f"unix://{MMESH_SOCKET_DIR}/grpc.sock"
            try:
                if credentials is None:
                    self.server.add_insecure_port(socket_address)
                else:
                    self.server.add_secure_port(socket_address, credentials)
            except RuntimeError as err:
                log.warning("Not serving on %s: %s", socket_address, err)
        return bound

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, blocking: bool = True) -> None:
        """Load the boot-time models, start serving, and with ``blocking`` wait for stop."""
        if not self._started:
            self.model_manager.boot()
            # boot-time objects (descriptors, classes, models) live as long as the process: keep
            # them out of the garbage collector's full passes
            gc.freeze()
            self._started = True
            self.server.start()
            self._ready.set()
            log.info("gRPC server serving on port %s", self.port)
            if self._completed.is_set():
                self._health.set("", _serving())
            else:
                # inference is served now; the other services, health (SERVING once they are
                # there) and reflection follow in the background, off the first answer's path
                threading.Thread(target=self._complete, name="caikit-grpc-register", daemon=True).start()
            self._start_metrics()
            if self.meter is not None:
                self.meter.start()
        if blocking:
            self.server.wait_for_termination()

    def _start_metrics(self) -> None:
        from ..metrics import start_metrics_in_background

        start_metrics_in_background(self._config.runtime)

    def stop(self, grace_period_seconds: Optional[float] = None) -> None:
        """Stop: refuse new calls, let calls in flight finish for the grace period, then end.

        Args:
            grace_period_seconds: default ``runtime.grpc.server_shutdown_grace_period_seconds``
        """
        if self._stopped.is_set():
            return
        grace = self._grace_default if grace_period_seconds is None else grace_period_seconds
        if self._started:
            self._completed.wait(30)  # do not race the background registration
        try:
            if self._health is not None:
                self._health.enter_graceful_shutdown()
        except Exception:
            pass
        self.server.stop(grace).wait()
        if self.meter is not None:
            # after the calls in flight ended: the last partial interval has all of them
            self.meter.stop()
        self._stopped.set()
        log.info("gRPC server stopped")

    def __enter__(self) -> RuntimeGRPCServer:
        self.start(blocking=False)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop(0)

    # -- clients ----------------------------------------------------------------------------

    def make_local_channel(self, client_key: Optional[bytes] = None, client_cert: Optional[bytes] = None) -> grpc.Channel:
        """A channel to this server on ``localhost`` (TLS when the server uses TLS; for mutual
        TLS the server's own key pair is the client identity unless one is given)."""
        target = f"localhost:{self.port}"
        tls = self._tls
        if not tls.enabled:
            return grpc.insecure_channel(target)
        key = client_key if client_key is not None else (tls.server_key if tls.mutual else None)
        cert = client_cert if client_cert is not None else (tls.server_cert if tls.mutual else None)
        credentials = grpc.ssl_channel_credentials(root_certificates=tls.server_cert, private_key=key, certificate_chain=cert)
        return grpc.secure_channel(target, credentials)

    @property
    def service_names(self) -> List[str]:
        """Full names of the services registered (not counting health and reflection)."""
        self.wait_until_complete()
        return list(self._service_names)


def _serving() -> Any:
    from grpc_health.v1 import health_pb2

    return health_pb2.HealthCheckResponse.SERVING
