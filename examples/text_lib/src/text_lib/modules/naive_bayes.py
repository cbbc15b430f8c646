"""A multinomial naive Bayes text classifier over lower-cased word counts."""
import math
from collections import Counter
from typing import Dict, Iterable, List, Union

from caikit.core import ModuleBase, module
from caikit.core.data_model import DataStream
from caikit.core.modules import ModuleConfig, ModuleLoader, ModuleSaver
from caikit.interfaces.nlp.data_model import (
    ClassificationResult,
    ClassificationResults,
    ClassificationTrainRecord,
)
from caikit.interfaces.nlp.tasks import TextClassificationTask

from .._artifacts import read_json, write_json
from .._text import words

_ARTIFACT = "naive_bayes.json"


@module(
    "7c1e0d6a-3f4b-4a8e-9b2d-5e6f70818a91",
    "Naive Bayes Text Classifier",
    "0.1.0",
    task=TextClassificationTask,
)
class NaiveBayesClassifier(ModuleBase):
    """Classify texts with multinomial naive Bayes (Laplace/Lidstone smoothing).

    A record with several labels counts once for each of them; ``run`` returns every label
    with its posterior probability, most likely first.
    """

    def __init__(
        self,
        label_doc_counts: Dict[str, int],
        label_word_counts: Dict[str, Dict[str, int]],
        alpha: float = 1.0,
    ):
        """
        Args:
            label_doc_counts: how many training records carried each label.
            label_word_counts: per label, how often each word occurred in its records.
            alpha: additive smoothing of the word probabilities (> 0).

        Raises:
            ValueError: no labels, or ``alpha`` is not positive.
        """
        if not label_doc_counts:
            raise ValueError("a naive Bayes classifier needs at least one label")
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0, got {alpha!r}")
        self._doc_counts = {label: int(n) for label, n in sorted(label_doc_counts.items())}
        self._word_counts = {
            label: {w: int(c) for w, c in label_word_counts.get(label, {}).items()}
            for label in self._doc_counts
        }
        self._alpha = float(alpha)
        self._vocabulary = sorted({w for counts in self._word_counts.values() for w in counts})
        self._log_prior, self._log_likelihood, self._log_unseen = self._estimate()

    @property
    def labels(self) -> List[str]:
        """The labels the classifier knows, sorted."""
        return list(self._doc_counts)

    # -- inference ------------------------------------------------------------------------------

    def run(self, text: str) -> ClassificationResults:
        """Score ``text`` against every label.

        Words never seen in training carry no evidence and are ignored.

        Returns:
            one ``ClassificationResult`` per label, probabilities summing to 1, best first.
        """
        counts = Counter(w for w in words(text) if w in self._vocabulary_set)
        log_scores = {}
        for label, prior in self._log_prior.items():
            likelihood = self._log_likelihood[label]
            unseen = self._log_unseen[label]
            log_scores[label] = prior + sum(
                n * likelihood.get(word, unseen) for word, n in counts.items()
            )
        top = max(log_scores.values())
        exp_scores = {label: math.exp(score - top) for label, score in log_scores.items()}
        total = sum(exp_scores.values())
        ranked = sorted(exp_scores.items(), key=lambda item: (-item[1], item[0]))
        return ClassificationResults(
            results=[ClassificationResult(label=label, score=p / total) for label, p in ranked]
        )

    # -- training -------------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        training_data: DataStream[ClassificationTrainRecord],
        alpha: float = 1.0,
    ) -> "NaiveBayesClassifier":
        """Count words per label.

        Args:
            training_data: texts with their labels.
            alpha: additive smoothing (1.0 is Laplace smoothing).

        Raises:
            ValueError: no record has a label, or a record has an empty label.
        """
        doc_counts: Counter = Counter()
        word_counts: Dict[str, Counter] = {}
        for record in _records(training_data):
            record_words = Counter(words(record.text))
            for label in record.labels or []:
                if not label:
                    raise ValueError(f"empty label in training record {record.text!r}")
                doc_counts[label] += 1
                word_counts.setdefault(label, Counter()).update(record_words)
        return cls(dict(doc_counts), {k: dict(v) for k, v in word_counts.items()}, alpha)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, model_path: str) -> None:
        """Write ``config.yml`` and the counts (``naive_bayes.json``) to ``model_path``."""
        with ModuleSaver(self, model_path=model_path) as saver:
            write_json(
                saver.model_path,
                _ARTIFACT,
                {"label_doc_counts": self._doc_counts, "label_word_counts": self._word_counts},
            )
            saver.update_config({"alpha": self._alpha, "counts": _ARTIFACT})

    @classmethod
    def load(cls, model_path: Union[str, ModuleConfig]) -> "NaiveBayesClassifier":
        """Read a model written by :meth:`save`."""
        loader = ModuleLoader(model_path)
        counts = read_json(loader.artifact_path(loader.load_arg("counts")))
        return cls(counts["label_doc_counts"], counts["label_word_counts"], loader.config["alpha"])

    # -- internals ------------------------------------------------------------------------------

    def _estimate(self):
        self._vocabulary_set = frozenset(self._vocabulary)
        n_docs = sum(self._doc_counts.values())
        n_labels = len(self._doc_counts)
        vocab_size = max(len(self._vocabulary), 1)
        log_prior, log_likelihood, log_unseen = {}, {}, {}
        for label, n in self._doc_counts.items():
            # smoothed prior too, so that a label with zero records is still representable
            log_prior[label] = math.log((n + 1) / (n_docs + n_labels))
            counts = self._word_counts[label]
            denominator = sum(counts.values()) + self._alpha * vocab_size
            log_likelihood[label] = {
                w: math.log((c + self._alpha) / denominator) for w, c in counts.items()
            }
            log_unseen[label] = math.log(self._alpha / denominator)
        return log_prior, log_likelihood, log_unseen


def _records(data: Iterable) -> Iterable[ClassificationTrainRecord]:
    """Accept records or plain dicts (as read from a JSON file)."""
    for item in data:
        if isinstance(item, dict):
            item = ClassificationTrainRecord.from_json(item)
        yield item


__all__ = ["NaiveBayesClassifier"]
