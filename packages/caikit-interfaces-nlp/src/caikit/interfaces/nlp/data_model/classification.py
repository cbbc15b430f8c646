"""Classification results: of whole texts, of tokens (unary and streamed) and of generated text
checked by detectors, plus the training record of a text classifier."""
from enum import Enum
from typing import Annotated, List, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, UInt64, dataobject

from .package import NLP_PACKAGE
from .text_generation import FinishReason, GeneratedToken


@dataobject(package=NLP_PACKAGE)
class InputWarningReason(Enum):
    """Why an input drew a warning."""

    UNSUITABLE_INPUT = 0


@dataobject(package=NLP_PACKAGE)
class InputWarning(DataObjectBase):
    """A warning about the input, with its reason and a human-readable message."""

    id: Annotated[InputWarningReason, FieldNumber(1)]
    message: Annotated[str, FieldNumber(2)]


@dataobject(package=NLP_PACKAGE)
class ClassificationTrainRecord(DataObjectBase):
    """One training example of a text classifier: a text and its labels."""

    text: Annotated[str, FieldNumber(1)]
    labels: Annotated[List[str], FieldNumber(2)]


@dataobject(package=NLP_PACKAGE)
class ClassificationResult(DataObjectBase):
    """One predicted class of a text.

    Attributes:
        label: the class name.
        score: confidence-like score in [0, 1].
    """

    label: Annotated[str, FieldNumber(1)]
    score: Annotated[float, FieldNumber(2)]


@dataobject(package=NLP_PACKAGE)
class ClassificationResults(DataObjectBase):
    """All predicted classes of a text, best first by convention."""

    results: Annotated[List[ClassificationResult], FieldNumber(1)]


@dataobject(package=NLP_PACKAGE)
class TokenClassificationResult(DataObjectBase):
    """One labelled span of a text (shaped like Hugging Face's token-classification output).

    Attributes:
        start: offset of the span's first character.
        end: offset one past its last character.
        word: the span's text (need not be a single word).
        entity: the predicted class of the span.
        entity_group: the aggregate class, where the model groups classes.
        score: confidence-like score in [0, 1].
        token_count: how many tokens the span has, if known.
    """

    start: Annotated[int, FieldNumber(1)]
    end: Annotated[int, FieldNumber(2)]
    word: Annotated[str, FieldNumber(3)]
    entity: Annotated[str, FieldNumber(4)]
    entity_group: Annotated[str, FieldNumber(5)]
    score: Annotated[float, FieldNumber(6)]
    token_count: Annotated[Optional[int], FieldNumber(7)]


@dataobject(package=NLP_PACKAGE)
class TokenClassificationResults(DataObjectBase):
    """All labelled spans of a text."""

    results: Annotated[List[TokenClassificationResult], FieldNumber(1)]


@dataobject(package=NLP_PACKAGE)
class TokenClassificationStreamResult(TokenClassificationResults):
    """Labelled spans of a streamed text, with how far into the stream they reach.

    Attributes:
        processed_index: offset up to which the input has been processed.
        start_index: offset where the text covered by this result starts.
    """

    processed_index: Annotated[int, FieldNumber(2)]
    start_index: Annotated[int, FieldNumber(3)]


@dataobject(package=NLP_PACKAGE)
class TextGenTokenClassificationResults(DataObjectBase):
    """Detector findings on the prompt (``input``) and on the generated text (``output``)."""

    input: Annotated[Optional[List[TokenClassificationResult]], FieldNumber(10)]
    output: Annotated[Optional[List[TokenClassificationResult]], FieldNumber(20)]


@dataobject(package=NLP_PACKAGE)
class ClassifiedGeneratedTextResult(DataObjectBase):
    """Generated text together with what detectors found in the prompt and the output.

    Field numbers 7 and 8 belong to the streaming subclass.
    """

    generated_text: Annotated[Optional[str], FieldNumber(1)]
    token_classification_results: Annotated[
        Optional[TextGenTokenClassificationResults], FieldNumber(2)
    ]
    finish_reason: Annotated[Optional[FinishReason], FieldNumber(3)]
    generated_token_count: Annotated[Optional[int], FieldNumber(4)]
    seed: Annotated[Optional[UInt64], FieldNumber(5)]
    input_token_count: Annotated[Optional[int], FieldNumber(6)]
    warnings: Annotated[Optional[List[InputWarning]], FieldNumber(9)]
    tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(10)]
    input_tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(11)]


# caikit declares that message as a class nested in this one; keep that spelling reachable
setattr(  # noqa: B010 - not a field: set after @dataobject so it stays out of the message
    ClassifiedGeneratedTextResult,
    "TextGenTokenClassificationResults",
    TextGenTokenClassificationResults,
)


@dataobject(package=NLP_PACKAGE)
class ClassifiedGeneratedTextStreamResult(ClassifiedGeneratedTextResult):
    """One piece of a streamed, detector-checked generation.

    Attributes:
        processed_index: offset up to which the generated text has been checked.
        start_index: offset where the text covered by this piece starts.
    """

    processed_index: Annotated[Optional[int], FieldNumber(7)]
    start_index: Annotated[int, FieldNumber(8)]


__all__ = [
    "ClassificationResult",
    "ClassificationResults",
    "ClassificationTrainRecord",
    "ClassifiedGeneratedTextResult",
    "ClassifiedGeneratedTextStreamResult",
    "InputWarning",
    "InputWarningReason",
    "TextGenTokenClassificationResults",
    "TokenClassificationResult",
    "TokenClassificationResults",
    "TokenClassificationStreamResult",
]
