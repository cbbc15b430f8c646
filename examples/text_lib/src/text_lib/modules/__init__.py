"""text_lib's modules: each trains, saves, loads and runs one or more caikit nlp tasks."""
from .hashed_embedder import HashedNgramEmbedder
from .lexicon_tagger import LexiconTokenClassifier
from .naive_bayes import NaiveBayesClassifier
from .regex_tokenizer import RegexTokenizer

__all__ = [
    "HashedNgramEmbedder",
    "LexiconTokenClassifier",
    "NaiveBayesClassifier",
    "RegexTokenizer",
]
