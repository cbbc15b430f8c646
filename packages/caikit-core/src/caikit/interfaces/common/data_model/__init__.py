"""The common data model (proto package ``caikit_data_model.common``)."""

from caikit.core.data_model import JobStatus, TrainingStatus

from .file import File
from .package import COMMON_PACKAGE
from .primitive_sequences import (
    BoolSequence,
    FloatSequence,
    IntSequence,
    NpFloat32Sequence,
    NpFloat64Sequence,
    PyFloatSequence,
    StrSequence,
)
from .producer import ProducerId, ProducerPriority
from .remote import ConnectionInfo, ConnectionTlsInfo
from .stream_sources import Directory, FileReference, ListOfFileReferences, S3Base, S3Files, S3Path
from .vectors import ListOfVector1D, Vector1D

__all__ = [
    "COMMON_PACKAGE",
    "BoolSequence",
    "ConnectionInfo",
    "ConnectionTlsInfo",
    "Directory",
    "File",
    "FileReference",
    "FloatSequence",
    "IntSequence",
    "JobStatus",
    "ListOfFileReferences",
    "ListOfVector1D",
    "NpFloat32Sequence",
    "NpFloat64Sequence",
    "ProducerId",
    "ProducerPriority",
    "PyFloatSequence",
    "S3Base",
    "S3Files",
    "S3Path",
    "StrSequence",
    "TrainingStatus",
    "Vector1D",
]
