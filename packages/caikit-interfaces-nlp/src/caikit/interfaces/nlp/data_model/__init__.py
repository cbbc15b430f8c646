"""The nlp domain's data model: the messages its tasks take and return.

Message names, protobuf packages, field names and field numbers are those of caikit 0.29.1's
``caikit.interfaces.nlp.data_model`` so that existing clients work unchanged.
"""
from . import (
    classification,
    embedding_vectors,
    package,
    reranker,
    sentence_similarity,
    text,
    text_generation,
)
from .classification import (
    ClassificationResult,
    ClassificationResults,
    ClassificationTrainRecord,
    ClassifiedGeneratedTextResult,
    ClassifiedGeneratedTextStreamResult,
    InputWarning,
    InputWarningReason,
    TextGenTokenClassificationResults,
    TokenClassificationResult,
    TokenClassificationResults,
    TokenClassificationStreamResult,
)
from .embedding_vectors import EmbeddingResult, EmbeddingResults
from .package import CAIKIT_NLP_PACKAGE, NLP_PACKAGE
from .reranker import RerankResult, RerankResults, RerankScore, RerankScores
from .sentence_similarity import (
    SentenceSimilarityResult,
    SentenceSimilarityResults,
    SentenceSimilarityScores,
)
from .text import (
    ChunkerTokenizationStreamResult,
    Token,
    TokenizationResults,
    TokenizationStreamResult,
)
from .text_generation import (
    FinishReason,
    GeneratedTextResult,
    GeneratedTextStreamResult,
    GeneratedToken,
    TokenStreamDetails,
)

__all__ = [
    "CAIKIT_NLP_PACKAGE",
    "NLP_PACKAGE",
    "ChunkerTokenizationStreamResult",
    "ClassificationResult",
    "ClassificationResults",
    "ClassificationTrainRecord",
    "ClassifiedGeneratedTextResult",
    "ClassifiedGeneratedTextStreamResult",
    "EmbeddingResult",
    "EmbeddingResults",
    "FinishReason",
    "GeneratedTextResult",
    "GeneratedTextStreamResult",
    "GeneratedToken",
    "InputWarning",
    "InputWarningReason",
    "RerankResult",
    "RerankResults",
    "RerankScore",
    "RerankScores",
    "SentenceSimilarityResult",
    "SentenceSimilarityResults",
    "SentenceSimilarityScores",
    "TextGenTokenClassificationResults",
    "Token",
    "TokenClassificationResult",
    "TokenClassificationResults",
    "TokenClassificationStreamResult",
    "TokenStreamDetails",
    "TokenizationResults",
    "TokenizationStreamResult",
    "classification",
    "embedding_vectors",
    "package",
    "reranker",
    "sentence_similarity",
    "text",
    "text_generation",
]
