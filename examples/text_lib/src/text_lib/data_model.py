"""text_lib's own data objects: the training records of the lexicon tagger.

Everything the models *return* is a caikit ``caikit.interfaces.nlp`` message; only training
input that caikit has no message for is defined here.
"""
from typing import List

from caikit.core.data_model import DataObjectBase, dataobject

PACKAGE = "text_lib.data_model"


@dataobject(package=PACKAGE)
class EntitySpan(DataObjectBase):
    """A labelled span of a text.

    Attributes:
        start: offset of the span's first character.
        end: offset one past its last character.
        label: the span's class, e.g. ``PRODUCT``.
    """

    start: int
    end: int
    label: str


@dataobject(package=PACKAGE)
class EntityTrainRecord(DataObjectBase):
    """A text and its labelled spans (a text with no spans is a useful negative example)."""

    text: str
    entities: List[EntitySpan]


__all__ = ["EntitySpan", "EntityTrainRecord"]
