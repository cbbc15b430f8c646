"""Sequences of primitive values, usable wherever a task takes or returns a plain list."""

from typing import List

from caikit.core.data_model import DataObjectBase, Float32, dataobject

from .package import COMMON_PACKAGE


@dataobject(package=COMMON_PACKAGE)
class StrSequence(DataObjectBase):
    """A list of strings."""

    values: List[str]


@dataobject(package=COMMON_PACKAGE)
class IntSequence(DataObjectBase):
    """A list of (64-bit) integers."""

    values: List[int]


@dataobject(package=COMMON_PACKAGE)
class FloatSequence(DataObjectBase):
    """A list of (double precision) floats."""

    values: List[float]


@dataobject(package=COMMON_PACKAGE)
class BoolSequence(DataObjectBase):
    """A list of booleans."""

    values: List[bool]


@dataobject(package=COMMON_PACKAGE)
class PyFloatSequence(DataObjectBase):
    """A list of Python floats (double precision on the wire)."""

    values: List[float]


@dataobject(package=COMMON_PACKAGE)
class NpFloat32Sequence(DataObjectBase):
    """A list of single precision floats (``float`` on the wire)."""

    values: List[Float32]


@dataobject(package=COMMON_PACKAGE)
class NpFloat64Sequence(DataObjectBase):
    """A list of double precision floats."""

    values: List[float]
