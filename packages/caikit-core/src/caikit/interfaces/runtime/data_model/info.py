"""Messages of ``caikit.runtime.info.InfoService``."""

from typing import Annotated, Dict, List

from caikit.core.data_model import DataObjectBase, FieldNumber, JsonDict, dataobject

from .package import COMMON_RUNTIME_PACKAGE


@dataobject(package=COMMON_RUNTIME_PACKAGE)
class RuntimeInfoRequest(DataObjectBase):
    """Asks for the runtime's version information."""


@dataobject(package=COMMON_RUNTIME_PACKAGE)
class RuntimeInfoResponse(DataObjectBase):
    """The runtime's version and the versions of its Python packages."""

    runtime_version: str
    python_packages: Dict[str, str]


@dataobject(package=COMMON_RUNTIME_PACKAGE)
class ModelInfoRequest(DataObjectBase):
    """Asks about some loaded models (all of them when ``model_ids`` is empty)."""

    model_ids: List[str]


@dataobject(package=COMMON_RUNTIME_PACKAGE)
class ModelInfo(DataObjectBase):
    """What the runtime knows about one model."""

    model_path: str
    name: str
    size: int
    metadata: JsonDict
    # caikit added ``loaded`` later and gave it the next free number
    loaded: Annotated[bool, FieldNumber(7)]
    module_id: Annotated[str, FieldNumber(5)]
    module_metadata: Annotated[Dict[str, str], FieldNumber(6)]


@dataobject(package=COMMON_RUNTIME_PACKAGE)
class ModelInfoResponse(DataObjectBase):
    """Information about several models."""

    models: List[ModelInfo]
