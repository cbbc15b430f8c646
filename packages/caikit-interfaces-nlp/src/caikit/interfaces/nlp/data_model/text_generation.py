"""Results of text generation: a whole generated text, or a stream of pieces of it."""
from enum import Enum
from typing import Annotated, List, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, UInt32, UInt64, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .package import NLP_PACKAGE


@dataobject(package=NLP_PACKAGE)
class FinishReason(Enum):
    """Why generation stopped."""

    NOT_FINISHED = 0
    MAX_TOKENS = 1
    EOS_TOKEN = 2
    CANCELLED = 3
    TIME_LIMIT = 4
    STOP_SEQUENCE = 5
    TOKEN_LIMIT = 6
    ERROR = 7


@dataobject(package=NLP_PACKAGE)
class GeneratedToken(DataObjectBase):
    """One token of generated (or input) text, with its log-probability and rank if known.

    Field 2 is unused on the wire; numbers 3 and 4 are part of the contract.
    """

    text: Annotated[str, FieldNumber(1)]
    logprob: Annotated[Optional[float], FieldNumber(3)]
    rank: Annotated[Optional[int], FieldNumber(4)]


@dataobject(package=NLP_PACKAGE)
class GeneratedTextResult(DataObjectBase):
    """The whole output of a unary text generation call.

    Attributes:
        generated_text: the generated text (without the prompt).
        generated_tokens: how many tokens were generated.
        finish_reason: why generation stopped.
        producer_id: which model produced it.
        input_token_count: how many tokens the prompt had.
        seed: the random seed used, if sampling.
        tokens: per-token details of the output, if asked for.
        input_tokens: per-token details of the prompt, if asked for.
    """

    generated_text: Annotated[str, FieldNumber(1)]
    generated_tokens: Annotated[int, FieldNumber(2)]
    finish_reason: Annotated[FinishReason, FieldNumber(3)]
    producer_id: Annotated[ProducerId, FieldNumber(4)]
    input_token_count: Annotated[int, FieldNumber(5)]
    seed: Annotated[Optional[UInt64], FieldNumber(6)]
    tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(7)]
    input_tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(8)]


@dataobject(package=NLP_PACKAGE)
class TokenStreamDetails(DataObjectBase):
    """Details attached to a streamed piece of generated text (usually the last one)."""

    finish_reason: Annotated[FinishReason, FieldNumber(1)]
    generated_tokens: Annotated[UInt32, FieldNumber(2)]
    seed: Annotated[Optional[UInt64], FieldNumber(3)]
    input_token_count: Annotated[int, FieldNumber(4)]


@dataobject(package=NLP_PACKAGE)
class GeneratedTextStreamResult(DataObjectBase):
    """One piece of a server-streamed text generation.

    Attributes:
        generated_text: the text generated since the previous piece.
        tokens: the tokens of this piece.
        details: running details (finish reason, counts).
        producer_id: which model produced it.
        input_tokens: per-token details of the prompt (typically on the first piece).
    """

    generated_text: Annotated[str, FieldNumber(1)]
    tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(2)]
    details: Annotated[Optional[TokenStreamDetails], FieldNumber(3)]
    producer_id: Annotated[ProducerId, FieldNumber(4)]
    input_tokens: Annotated[Optional[List[GeneratedToken]], FieldNumber(5)]


__all__ = [
    "FinishReason",
    "GeneratedTextResult",
    "GeneratedTextStreamResult",
    "GeneratedToken",
    "TokenStreamDetails",
]
