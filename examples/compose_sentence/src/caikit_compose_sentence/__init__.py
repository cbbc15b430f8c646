"""A caikit-compose grouping plugin that releases text one sentence at a time."""
from .data_model import Sentence, TextChunk
from .grouping import SentenceGrouping

__all__ = ["Sentence", "SentenceGrouping", "TextChunk"]
