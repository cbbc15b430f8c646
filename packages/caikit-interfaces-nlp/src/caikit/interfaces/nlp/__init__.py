"""caikit.interfaces.nlp: the text domain's data model and tasks.

``data_model`` holds the messages (generated text, tokens, classifications, embeddings,
similarity and rerank scores); ``tasks`` holds the task signatures that modules implement.
Names, protobuf packages and fields follow caikit 0.29.1 so that clients of caikit-nlp-style
servers work unchanged.
"""
from . import data_model, tasks

__all__ = ["data_model", "tasks"]
