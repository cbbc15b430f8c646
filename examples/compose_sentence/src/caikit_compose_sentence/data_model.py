"""The data objects of the SENTENCE grouping."""
from caikit.core.data_model import DataObjectBase, dataobject

__all__ = ["Sentence", "TextChunk"]

PACKAGE = "caikit_data_model.compose_sentence"


@dataobject(package=PACKAGE)
class TextChunk(DataObjectBase):
    """A piece of a text stream (any data object with a text field works as input)."""

    text: str


@dataobject(package=PACKAGE)
class Sentence(DataObjectBase):
    """One sentence released by the grouping.

    Attributes:
        text: the sentence, whitespace-trimmed
        index: its position in the stream (0, 1, ...)
        complete: False for an unfinished sentence released by expiry or close
    """

    text: str
    index: int
    complete: bool
