"""Messages of ``caikit.runtime.models.ModelManagement`` (deploy / undeploy)."""

from typing import List

from caikit.core.data_model import DataObjectBase, dataobject
from caikit.interfaces.common.data_model import File

from .package import RUNTIME_PACKAGE


@dataobject(package=RUNTIME_PACKAGE)
class DeployModelRequest(DataObjectBase):
    """Deploy a model from inline files (written under ``local_models_dir/<model_id>/``)."""

    model_id: str
    model_files: List[File]


@dataobject(package=RUNTIME_PACKAGE)
class UndeployModelRequest(DataObjectBase):
    """Undeploy (unload and delete) a deployed model."""

    model_id: str
