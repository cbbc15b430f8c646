"""A file carried inline: its bytes, name and media type."""

from caikit.core.data_model import DataObjectBase, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class File(DataObjectBase):
    """File contents with a file name and a media type (e.g. ``application/pdf``)."""

    data: bytes
    filename: str
    type: str
