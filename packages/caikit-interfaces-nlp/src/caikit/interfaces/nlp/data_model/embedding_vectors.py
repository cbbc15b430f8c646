"""Results of text embedding, for one text or a batch."""
from typing import Annotated, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, dataobject
from caikit.interfaces.common.data_model import ListOfVector1D, ProducerId, Vector1D

from .package import CAIKIT_NLP_PACKAGE


@dataobject(package=CAIKIT_NLP_PACKAGE)
class EmbeddingResult(DataObjectBase):
    """The embedding vector of one text.

    Attributes:
        result: the vector.
        producer_id: which model produced it.
        input_token_count: how many tokens the input had, if known.
    """

    result: Annotated[Vector1D, FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class EmbeddingResults(DataObjectBase):
    """The embedding vectors of several texts, in input order."""

    results: Annotated[ListOfVector1D, FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


__all__ = ["EmbeddingResult", "EmbeddingResults"]
