"""The names of everything the runtime generates (contract §2.1, §2.2, §3.1).

Pure functions of strings and classes: both servers and ``dump_services`` use them, so the
gRPC method ``caikit.runtime.Main.MainService/GreetingTaskPredict``, the request message
``GreetingTaskRequest`` and the HTTP route ``/api/v1/task/greeting`` always agree.

* :func:`domain_name` / :func:`package_name` / :func:`service_name` -- per-library services
* :class:`Flavour` -- the four inference flavours and their name prefixes
* :func:`task_predict_rpc_name`, :func:`task_request_name` -- inference RPCs and messages
* :func:`train_rpc_name`, :func:`train_request_name`, :func:`train_parameters_name`
* :func:`task_route_name` -- ``GreetingTaskPredict`` -> ``greeting`` (HTTP kebab route)
* :func:`data_stream_source_name` -- ``DataStreamSource<Type>`` training-data messages
"""
from __future__ import annotations

import enum
import re
from typing import Optional

__all__ = [
    "INFO_PACKAGE",
    "INFO_SERVICE",
    "MODEL_MANAGEMENT_PACKAGE",
    "MODEL_MANAGEMENT_SERVICE",
    "TRAINING_MANAGEMENT_PACKAGE",
    "TRAINING_MANAGEMENT_SERVICE",
    "Flavour",
    "camel_to_kebab",
    "data_stream_source_name",
    "domain_name",
    "package_name",
    "service_name",
    "snake_to_upper_camel",
    "task_predict_rpc_name",
    "task_request_name",
    "task_route_name",
    "train_parameters_name",
    "train_request_name",
    "train_rpc_name",
]

TRAINING_MANAGEMENT_PACKAGE = "caikit.runtime.training"
TRAINING_MANAGEMENT_SERVICE = "TrainingManagement"
MODEL_MANAGEMENT_PACKAGE = "caikit.runtime.models"
MODEL_MANAGEMENT_SERVICE = "ModelManagement"
INFO_PACKAGE = "caikit.runtime.info"
INFO_SERVICE = "InfoService"


class Flavour(enum.Enum):
    """An inference flavour: (input streaming, output streaming) and its name prefix."""

    UNARY = (False, False, "")
    SERVER_STREAMING = (False, True, "ServerStreaming")
    CLIENT_STREAMING = (True, False, "ClientStreaming")
    BIDI_STREAMING = (True, True, "BidiStreaming")

    @property
    def input_streaming(self) -> bool:
        """Whether the client sends a stream of requests."""
        return self.value[0]

    @property
    def output_streaming(self) -> bool:
        """Whether the server answers with a stream of responses."""
        return self.value[1]

    @property
    def prefix(self) -> str:
        """What the RPC and request names start with."""
        return self.value[2]

    @classmethod
    def of(cls, input_streaming: bool, output_streaming: bool) -> Flavour:
        """The flavour with these streaming sides."""
        for flavour in cls:
            if flavour.value[:2] == (bool(input_streaming), bool(output_streaming)):
                return flavour
        raise ValueError(f"no flavour for {(input_streaming, output_streaming)!r}")  # unreachable


def snake_to_upper_camel(name: str) -> str:
    """``greeter_lib`` -> ``GreeterLib``; ``__main__`` -> ``Main``; ``GreetingTask_Request``
    -> ``GreetingTaskRequest`` (each ``_``-separated part gets its first letter upper-cased)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def domain_name(library: str, override: Optional[str] = None) -> str:
    """The AI domain of a library: ``caikit_nlp`` -> ``Nlp``, ``__main__`` -> ``Main``."""
    if override:
        return override
    return snake_to_upper_camel(library.replace("caikit_", ""))


def package_name(domain: str, override: Optional[str] = None) -> str:
    """The proto package of a library's services: ``caikit.runtime.<Domain>``."""
    return override or f"caikit.runtime.{domain}"


def service_name(domain: str, kind: str) -> str:
    """``<Domain>Service`` (kind ``""``), ``<Domain>TrainingService``, ``<Domain>JobService``."""
    return f"{domain}{kind}Service"


def task_predict_rpc_name(task_name: str, flavour: Flavour) -> str:
    """``GreetingTask`` -> ``GreetingTaskPredict`` / ``ServerStreamingGreetingTaskPredict`` ..."""
    return f"{flavour.prefix}{task_name}Predict"


def task_request_name(task_name: str, flavour: Flavour) -> str:
    """``GreetingTask`` -> ``GreetingTaskRequest`` / ``BidiStreamingGreetingTaskRequest`` ..."""
    return f"{flavour.prefix}{task_name}Request"


def train_rpc_name(task_name: str, module_class_name: str) -> str:
    """The train RPC of a module, named after its first task: ``GreetingTaskGreeterModuleTrain``."""
    return f"{task_name}{module_class_name}Train"


def train_request_name(task_name: str, module_class_name: str) -> str:
    """``GreetingTaskGreeterModuleTrainRequest``."""
    return f"{train_rpc_name(task_name, module_class_name)}Request"


def train_parameters_name(task_name: str, module_class_name: str) -> str:
    """``GreetingTaskGreeterModuleTrainParameters``."""
    return f"{train_rpc_name(task_name, module_class_name)}Parameters"


def data_stream_source_name(element_type_name: str) -> str:
    """``str`` -> ``DataStreamSourceStr``; ``Person`` -> ``DataStreamSourcePerson``."""
    return f"DataStreamSource{snake_to_upper_camel(element_type_name)}"


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def camel_to_kebab(name: str) -> str:
    """``TextGeneration`` -> ``text-generation``."""
    return _CAMEL_BOUNDARY.sub("-", name).lower()


def task_route_name(rpc_name: str) -> str:
    """The HTTP route segment of an inference RPC: the RPC name minus ``Predict``, minus a
    trailing ``Task``, in kebab case (``ServerStreamingGreetingTaskPredict`` ->
    ``server-streaming-greeting``)."""
    base = rpc_name[: -len("Predict")] if rpc_name.endswith("Predict") else rpc_name
    if base.endswith("Task"):
        base = base[: -len("Task")]
    return camel_to_kebab(base)
