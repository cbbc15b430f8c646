"""Dense vectors (e.g. embeddings) in one of three float encodings."""

from typing import List, Union

from caikit.core.data_model import DataObjectBase, dataobject

from .package import COMMON_PACKAGE
from .primitive_sequences import NpFloat32Sequence, NpFloat64Sequence, PyFloatSequence


@dataobject(package=COMMON_PACKAGE)
class Vector1D(DataObjectBase):
    """A one dimensional vector; ``data`` holds one of the sequence types.

    ``Vector1D.from_vector([...])`` wraps a plain list of floats.
    """

    data: Union[PyFloatSequence, NpFloat32Sequence, NpFloat64Sequence]

    # caikit 0.29.1 writes the JSON (and dict) of a vector as {"data": {"values": [...]}},
    # whichever sequence type holds it, and reads that back as a PyFloatSequence
    _caikit_json_oneofs_under_field = ("data",)

    @classmethod
    def from_vector(cls, values: List[float]) -> "Vector1D":
        """Wrap a list (or any iterable) of floats as a double precision vector."""
        return cls(data=PyFloatSequence(values=[float(v) for v in values]))

    def to_list(self) -> List[float]:
        """The vector's values as a list of floats (empty when unset)."""
        return list(self.data.values or []) if self.data is not None else []


@dataobject(package=COMMON_PACKAGE)
class ListOfVector1D(DataObjectBase):
    """Several vectors, e.g. the embeddings of a batch of texts."""

    vectors: List[Vector1D]
