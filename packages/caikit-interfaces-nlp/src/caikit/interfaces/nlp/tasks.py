"""The nlp domain's tasks: abstract inference signatures that modules implement.

Task class names become RPC and request-message names in the runtime
(``TextGenerationTaskPredict``, ``ServerStreamingTextGenerationTaskRequest``, ...), and the
parameter names become request fields, so both follow caikit 0.29.1 exactly.
"""
from typing import Iterable, List

from caikit.core.data_model import JsonDict
from caikit.core.task import TaskBase, task

from .data_model import (
    ChunkerTokenizationStreamResult,
    ClassificationResults,
    ClassifiedGeneratedTextResult,
    ClassifiedGeneratedTextStreamResult,
    EmbeddingResult,
    EmbeddingResults,
    GeneratedTextResult,
    GeneratedTextStreamResult,
    RerankResult,
    RerankResults,
    SentenceSimilarityResult,
    SentenceSimilarityResults,
    TokenClassificationResults,
    TokenClassificationStreamResult,
    TokenizationResults,
    TokenizationStreamResult,
)


@task(
    unary_parameters={"text": str},
    unary_output_type=GeneratedTextResult,
    streaming_output_type=Iterable[GeneratedTextStreamResult],
)
class TextGenerationTask(TaskBase):
    """Continue a prompt ``text``: the whole result at once, or streamed piece by piece."""


@task(
    unary_parameters={"text": str},
    unary_output_type=ClassificationResults,
)
class TextClassificationTask(TaskBase):
    """Assign one or more classes, with scores, to a ``text``."""


@task(
    unary_parameters={"text": str},
    streaming_parameters={"text_stream": Iterable[str]},
    unary_output_type=TokenClassificationResults,
    streaming_output_type=Iterable[TokenClassificationStreamResult],
)
class TokenClassificationTask(TaskBase):
    """Label spans of a ``text`` (or of a ``text_stream`` of chunks, bidirectionally streamed)."""


@task(
    unary_parameters={"text": str},
    streaming_parameters={"text_stream": Iterable[str]},
    unary_output_type=TokenizationResults,
    streaming_output_type=Iterable[TokenizationStreamResult],
)
class TokenizationTask(TaskBase):
    """Split a ``text`` (or a ``text_stream`` of chunks) into tokens."""


@task(
    unary_parameters={"text": str},
    unary_output_type=ClassifiedGeneratedTextResult,
    streaming_output_type=Iterable[ClassifiedGeneratedTextStreamResult],
)
class ClassificationWithTextGenerationTask(TaskBase):
    """Generate text from a prompt and report what detectors find in the prompt and output."""


@task(
    unary_parameters={"text": str},
    unary_output_type=EmbeddingResult,
)
class EmbeddingTask(TaskBase):
    """Embed one ``text`` as a vector."""


@task(
    unary_parameters={"texts": List[str]},
    unary_output_type=EmbeddingResults,
)
class EmbeddingTasks(TaskBase):
    """Embed each of ``texts`` as a vector, in input order."""


@task(
    unary_parameters={"documents": List[JsonDict], "query": str},
    unary_output_type=RerankResult,
)
class RerankTask(TaskBase):
    """Rank ``documents`` by relevance to ``query``, most relevant first.

    Each document is a JSON object whose ``text`` (or ``_text``) key holds the text to score.
    """


@task(
    unary_parameters={"documents": List[JsonDict], "queries": List[str]},
    unary_output_type=RerankResults,
)
class RerankTasks(TaskBase):
    """Rank ``documents`` by relevance to each of ``queries``; one ranking per query."""


@task(
    unary_parameters={"source_sentence": str, "sentences": List[str]},
    unary_output_type=SentenceSimilarityResult,
)
class SentenceSimilarityTask(TaskBase):
    """Score each of ``sentences`` against ``source_sentence``, in input order."""


@task(
    unary_parameters={"source_sentences": List[str], "sentences": List[str]},
    unary_output_type=SentenceSimilarityResults,
)
class SentenceSimilarityTasks(TaskBase):
    """Score each of ``sentences`` against each of ``source_sentences``."""


@task(
    unary_parameters={"text": str},
    streaming_parameters={"text_stream": Iterable[str], "input_index_stream": Iterable[int]},
    unary_output_type=TokenizationResults,
    streaming_output_type=Iterable[ChunkerTokenizationStreamResult],
)
class ChunkerTokenizationTask(TaskBase):
    """Tokenize into chunks; the streamed results point back at the input chunks they cover."""


__all__ = [
    "ChunkerTokenizationTask",
    "ClassificationWithTextGenerationTask",
    "EmbeddingTask",
    "EmbeddingTasks",
    "RerankTask",
    "RerankTasks",
    "SentenceSimilarityTask",
    "SentenceSimilarityTasks",
    "TextClassificationTask",
    "TextGenerationTask",
    "TokenClassificationTask",
    "TokenizationTask",
]
