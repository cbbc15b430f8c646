"""Results of sentence similarity: scores of candidate sentences against source sentences."""
from typing import Annotated, List, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .package import CAIKIT_NLP_PACKAGE


@dataobject(package=CAIKIT_NLP_PACKAGE)
class SentenceSimilarityScores(DataObjectBase):
    """One score per candidate sentence, in the order the sentences were given."""

    scores: Annotated[List[float], FieldNumber(1)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class SentenceSimilarityResult(DataObjectBase):
    """Scores of every candidate sentence against one source sentence."""

    result: Annotated[SentenceSimilarityScores, FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


@dataobject(package=CAIKIT_NLP_PACKAGE)
class SentenceSimilarityResults(DataObjectBase):
    """One ``SentenceSimilarityScores`` per source sentence, in source order."""

    results: Annotated[List[SentenceSimilarityScores], FieldNumber(1)]
    producer_id: Annotated[ProducerId, FieldNumber(2)]
    input_token_count: Annotated[Optional[int], FieldNumber(3)]


__all__ = [
    "SentenceSimilarityResult",
    "SentenceSimilarityResults",
    "SentenceSimilarityScores",
]
