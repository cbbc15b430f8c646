"""Protobuf package names of the nlp data model.

caikit 0.29.1 puts the older text messages in ``caikit_data_model.nlp`` and the embedding,
similarity and rerank messages (which moved in from caikit-nlp) in
``caikit_data_model.caikit_nlp``. Clients compiled against either keep working only if both
names are kept exactly, so both live here.
"""

CAIKIT_DATA_MODEL = "caikit_data_model"

#: package of text generation, tokenization and classification messages
NLP_PACKAGE = f"{CAIKIT_DATA_MODEL}.nlp"

#: package of embedding, sentence-similarity and rerank messages
CAIKIT_NLP_PACKAGE = f"{CAIKIT_DATA_MODEL}.caikit_nlp"

__all__ = ["CAIKIT_DATA_MODEL", "CAIKIT_NLP_PACKAGE", "NLP_PACKAGE"]
