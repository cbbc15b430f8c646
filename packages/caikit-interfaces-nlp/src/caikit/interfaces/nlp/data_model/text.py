"""Tokens and tokenization results, unary and streamed."""
from typing import Annotated, List, Optional

from caikit.core.data_model import DataObjectBase, FieldNumber, dataobject

from .package import NLP_PACKAGE


@dataobject(package=NLP_PACKAGE)
class Token(DataObjectBase):
    """A span of text treated as one unit (a word, sub-word, character, ...).

    Attributes:
        start: offset of the first character.
        end: offset one past the last character.
        text: the token's text, ``source[start:end]``.
    """

    start: Annotated[int, FieldNumber(1)]
    end: Annotated[int, FieldNumber(2)]
    text: Annotated[str, FieldNumber(3)]


@dataobject(package=NLP_PACKAGE)
class TokenizationResults(DataObjectBase):
    """The tokens of a whole text.

    ``token_count`` is field 4 because the streaming subclass uses 2 and 3.
    """

    results: Annotated[Optional[List[Token]], FieldNumber(1)]
    token_count: Annotated[Optional[int], FieldNumber(4)]


@dataobject(package=NLP_PACKAGE)
class TokenizationStreamResult(TokenizationResults):
    """Tokens of a streamed text, with how far into the stream they reach.

    Attributes:
        processed_index: offset up to which the input has been tokenized.
        start_index: offset where the text covered by this result starts.
    """

    processed_index: Annotated[int, FieldNumber(2)]
    start_index: Annotated[int, FieldNumber(3)]


@dataobject(package=NLP_PACKAGE)
class ChunkerTokenizationStreamResult(TokenizationStreamResult):
    """A streamed tokenization result that also points back at the input chunks it covers.

    Attributes:
        input_start_index: index of the first input chunk this result covers.
        input_end_index: index of the last input chunk this result covers.
    """

    input_start_index: Annotated[int, FieldNumber(20)]
    input_end_index: Annotated[int, FieldNumber(21)]


__all__ = [
    "ChunkerTokenizationStreamResult",
    "Token",
    "TokenizationResults",
    "TokenizationStreamResult",
]
