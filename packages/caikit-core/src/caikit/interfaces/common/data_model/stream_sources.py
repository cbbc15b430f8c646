"""Where streamed data (e.g. training data) lives: files, directories and S3 locations."""

from typing import Annotated, List

from caikit.core.data_model import DataObjectBase, FieldNumber, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class FileReference(DataObjectBase):
    """A path to one file on the server's file system."""

    filename: str


@dataobject(package=COMMON_PACKAGE)
class ListOfFileReferences(DataObjectBase):
    """Paths to several files."""

    files: List[str]


@dataobject(package=COMMON_PACKAGE)
class Directory(DataObjectBase):
    """A directory, optionally restricted to files with one extension."""

    dirname: str
    extension: str


# the S3 connection fields keep numbers 2-8 so that subclasses can put their own field at 1
@dataobject(package=COMMON_PACKAGE)
class S3Base(DataObjectBase):
    """Connection details of an S3 (compatible) object store."""

    endpoint: Annotated[str, FieldNumber(2)]
    region: Annotated[str, FieldNumber(3)]
    bucket: Annotated[str, FieldNumber(4)]
    accessKey: Annotated[str, FieldNumber(5)]  # pylint: disable=invalid-name
    secretKey: Annotated[str, FieldNumber(6)]  # pylint: disable=invalid-name
    IAM_id: Annotated[str, FieldNumber(7)]  # pylint: disable=invalid-name
    IAM_api_key: Annotated[str, FieldNumber(8)]  # pylint: disable=invalid-name


@dataobject(package=COMMON_PACKAGE)
class S3Path(S3Base):
    """One path (object or prefix) in an S3 bucket; also where training writes its output."""

    path: Annotated[str, FieldNumber(1)]


@dataobject(package=COMMON_PACKAGE)
class S3Files(S3Base):
    """Several objects in an S3 bucket."""

    files: Annotated[List[str], FieldNumber(1)]
