"""Small, pure-Python text models served by caikit (an example domain library).

Importing ``text_lib`` registers its modules, so ``runtime.library: text_lib`` serves them:

* ``NaiveBayesClassifier`` -- ``TextClassificationTask``
* ``RegexTokenizer`` -- ``TokenizationTask`` (unary, server and bidirectional streaming)
* ``LexiconTokenClassifier`` -- ``TokenClassificationTask`` (unary, server and bidirectional streaming)
* ``HashedNgramEmbedder`` -- ``EmbeddingTask(s)``, ``SentenceSimilarityTask(s)``,
  ``RerankTask(s)``

``text_lib.demo.train_demo_models(models_dir)`` trains all four on the dataset in
``examples/data`` and saves them under the model ids the demo uses.
"""
from . import data_model, modules
from .data_model import EntitySpan, EntityTrainRecord
from .modules import (
    HashedNgramEmbedder,
    LexiconTokenClassifier,
    NaiveBayesClassifier,
    RegexTokenizer,
)

__all__ = [
    "EntitySpan",
    "EntityTrainRecord",
    "HashedNgramEmbedder",
    "LexiconTokenClassifier",
    "NaiveBayesClassifier",
    "RegexTokenizer",
    "data_model",
    "modules",
]
