"""Results of reranking documents against one or more queries."""
from typing import Annotated, List, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, JsonDict, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .package import CAIKIT_NLP_PACKAGE


@dataobject(package=CAIKIT_NLP_PACKAGE)
class RerankScore(DataObjectBase):
    """How relevant one document is to one query.

    Attributes:
        document: the document as given (if the caller asked for it back).
        index: the document's position in the input.
        score: relevance; higher is more relevant.
        text: the text that was scored (if the caller asked for it back).
    """

    document: Annotated[Optional[JsonDict], FieldNumber(1)]
    index: Annotated[int, FieldNumber(2)]
    score: Annotated[float, FieldNumber(3)]
    text: Annotated[Optional[str], FieldNumber(4)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class RerankScores(DataObjectBase):
    """The top documents for one query, most relevant first."""

    query: Annotated[Optional[str], FieldNumber(1)]
    scores: Annotated[List[RerankScore], FieldNumber(2)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class RerankResult(DataObjectBase):
    """The reranking of the documents for one query."""

    result: Annotated[RerankScores, FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class RerankResults(DataObjectBase):
    """One ``RerankScores`` per query, in query order."""

    results: Annotated[List[RerankScores], FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


__all__ = ["RerankResult", "RerankResults", "RerankScore", "RerankScores"]
