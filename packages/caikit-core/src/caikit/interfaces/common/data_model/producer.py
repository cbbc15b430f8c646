"""Which model produced a result."""

from typing import List

from caikit.core.data_model import DataObjectBase, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class ProducerId(DataObjectBase):
    """The name and version of what produced a result."""

    name: str
    version: str


@dataobject(package=COMMON_PACKAGE)
class ProducerPriority(DataObjectBase):
    """Producers in order of preference."""

    producers: List[ProducerId]
