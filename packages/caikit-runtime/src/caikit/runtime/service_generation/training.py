"""Training RPCs: one per served module that implements ``train``.

``<FirstTask><Module>Train(<FirstTask><Module>TrainRequest) -> TrainingJob``, where the request
is ``{model_name, output_path: S3Path, parameters: <FirstTask><Module>TrainParameters}`` and the
parameters message holds the ``train()`` signature. ``DataStream[T]`` parameters become
``DataStreamSource<T>`` messages: a oneof of inline data, a file, a list of files, a directory
or S3 files; :meth:`TrainRPC.train_kwargs` turns them back into ``DataStream`` s.
"""
from __future__ import annotations

import inspect
import logging
from typing import Annotated, Any, Dict, List, Sequence, Union

from .. import names
from .field_types import (
    element_type,
    is_stream_type,
    split_optional,
    strip_annotated,
    to_field_type,
)
from .messages import make_message
from .specs import RPCSpec

__all__ = ["TrainParam", "TrainRPC", "build_train_rpcs", "data_stream_source"]

log = logging.getLogger("caikit.runtime.service_generation")


class TrainParam:
    """One ``train()`` parameter carried by the parameters message."""

    __slots__ = ("field_type", "has_default", "name", "optional", "stream_source")

    def __init__(self, name: str, field_type: Any, optional: bool, has_default: bool, stream_source: bool = False):
        self.name = name
        self.field_type = field_type
        self.optional = optional
        self.has_default = has_default
        self.stream_source = stream_source

    def __repr__(self) -> str:
        return f"TrainParam({self.name!r}, {self.field_type!r}, optional={self.optional!r})"


class TrainRPC(RPCSpec):
    """The train RPC of one module class.

    Attributes:
        module_class: the module to train
        task: its first task (names the RPC)
        parameters: the ``...TrainParameters`` dataobject
        params: the parameters, in signature order
    """

    def __init__(self, name: str, request: Any, response: Any, module_class: type, task: type, parameters: Any, params: List[TrainParam]):
        super().__init__(name=name, request=request, response=response)
        self.module_class = module_class
        self.task = task
        self.parameters = parameters
        self.params = params

    def train_kwargs(self, parameters: Any) -> Dict[str, Any]:
        """Keyword arguments for ``train()`` from a parameters dataobject (None -> left out).

        Raises:
            ValueError: a data stream source cannot be read (e.g. S3 is not supported)
        """
        kwargs: Dict[str, Any] = {}
        if parameters is None:
            return kwargs
        for param in self.params:
            value = getattr(parameters, param.name, None)
            if value is None:
                continue
            if isinstance(value, list) and not value and param.has_default:
                continue
            if param.stream_source:
                value = value.to_data_stream()
            kwargs[param.name] = value
        return kwargs

    def __repr__(self) -> str:
        return f"TrainRPC({self.name!r})"


# -- DataStreamSource<T> ---------------------------------------------------------------------


def _type_label(tp: Any) -> str:
    tp = strip_annotated(tp)
    return getattr(tp, "__name__", str(tp)).capitalize() if tp in (str, int, float, bool, bytes) else getattr(tp, "__name__", str(tp))


def _to_data_stream(self: Any) -> Any:
    """The ``DataStream`` this source describes."""
    from caikit.core.data_model import DataStream

    which = self.which_oneof("data_stream")
    value = self.data_stream
    elem = type(self)._stream_element_type
    if which is None or value is None:
        raise ValueError(f"{type(self).__name__}: no data stream source is set")
    if which == "jsondata":
        return DataStream.from_iterable(list(value.data or []))
    if which == "s3files":
        raise ValueError("S3 data stream sources are not supported by this runtime")
    if which == "file":
        stream = DataStream.from_file(value.filename)
    elif which == "list_of_files":
        stream = DataStream.from_files(list(value.files))
    elif which == "directory":
        stream = DataStream.from_directory(value.dirname)
    else:
        raise ValueError(f"{type(self).__name__}: unknown data stream source {which!r}")
    if hasattr(elem, "from_dict"):
        return stream.map(lambda rec: elem.from_dict(rec) if isinstance(rec, dict) else rec)
    return stream


def data_stream_source(elem: Any, package: str) -> type:
    """The ``DataStreamSource<T>`` dataobject for streams of ``elem``.

    Raises:
        TypeError: ``elem`` cannot be carried by a message
    """
    from caikit.core.data_model import OneofField
    from caikit.interfaces.common.data_model import (
        Directory,
        FileReference,
        ListOfFileReferences,
        S3Files,
    )

    if to_field_type(elem) is None:
        raise TypeError(f"cannot stream elements of type {elem!r}")
    source_name = names.data_stream_source_name(_type_label(elem))
    json_data = make_message(f"{source_name}JsonData", package, [("data", List[elem], False)])
    oneof = Union[
        Annotated[json_data, OneofField("jsondata")],
        Annotated[FileReference, OneofField("file")],
        Annotated[ListOfFileReferences, OneofField("list_of_files")],
        Annotated[Directory, OneofField("directory")],
        Annotated[S3Files, OneofField("s3files")],
    ]
    return make_message(
        source_name,
        package,
        [("data_stream", oneof, False)],
        attrs={"to_data_stream": _to_data_stream, "_stream_element_type": elem},
    )


# -- building --------------------------------------------------------------------------------


def implements_train(module_class: type) -> bool:
    """Whether the class (not just ModuleBase) defines ``train``."""
    from caikit.core.modules import ModuleBase

    return inspect.getattr_static(module_class, "train", None) is not ModuleBase.__dict__["train"]


def _train_params(module_class: type, package: str) -> List[TrainParam]:
    signature = module_class.TRAIN_SIGNATURE
    defaults = signature.default_parameters
    params: List[TrainParam] = []
    for name, annotation in signature.parameters.items():
        inner, was_optional = split_optional(annotation)
        has_default = name in defaults
        optional = has_default or was_optional
        if is_stream_type(inner):
            try:
                source = data_stream_source(strip_annotated(element_type(inner)), package)
            except TypeError as err:
                log.warning("Train parameter %r of %s left out: %s", name, module_class.__name__, err)
                continue
            params.append(TrainParam(name, source, optional, has_default, stream_source=True))
            continue
        field_type = to_field_type(annotation)
        if field_type is None:
            log.warning(
                "Train parameter %r of %s has a type no message can carry (%r); it is left out",
                name, module_class.__name__, annotation,
            )
            continue
        params.append(TrainParam(name, field_type, optional, has_default))
    return params


def build_train_rpcs(modules: Sequence[type], package: str) -> List[TrainRPC]:
    """The train RPCs of the trainable ``modules`` (sorted by name)."""
    from caikit.interfaces.common.data_model import S3Path
    from caikit.interfaces.runtime.data_model import TrainingJob

    rpcs: List[TrainRPC] = []
    for module_class in modules:
        tasks = list(getattr(module_class, "tasks", ()))
        if not tasks or not implements_train(module_class):
            continue
        task_name, module_name = tasks[0].__name__, module_class.__name__
        params = _train_params(module_class, package)
        parameters = make_message(
            names.train_parameters_name(task_name, module_name),
            package,
            [(p.name, p.field_type, p.optional) for p in params],
        )
        request = make_message(
            names.train_request_name(task_name, module_name),
            package,
            [("model_name", str, False), ("output_path", S3Path, False), ("parameters", parameters, False)],
        )
        rpcs.append(
            TrainRPC(
                names.train_rpc_name(task_name, module_name), request, TrainingJob,
                module_class, tasks[0], parameters, params,
            )
        )
    rpcs.sort(key=lambda r: r.name)
    return rpcs
