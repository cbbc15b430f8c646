"""A hashed n-gram embedder: IDF-weighted word and character n-gram features, hashed into a
fixed number of dimensions. Serves embeddings, sentence similarity and reranking."""
import math
from typing import Dict, Iterable, List, Optional, Tuple, Union

from caikit.core import ModuleBase, module
from caikit.core.data_model import DataStream
from caikit.core.data_model.json_dict import JsonDict
from caikit.core.modules import ModuleConfig, ModuleLoader, ModuleSaver
from caikit.interfaces.common.data_model import ListOfVector1D, ProducerId, Vector1D
from caikit.interfaces.nlp.data_model import (
    EmbeddingResult,
    EmbeddingResults,
    RerankResult,
    RerankResults,
    RerankScore,
    RerankScores,
    SentenceSimilarityResult,
    SentenceSimilarityResults,
    SentenceSimilarityScores,
)
from caikit.interfaces.nlp.tasks import (
    EmbeddingTask,
    EmbeddingTasks,
    RerankTask,
    RerankTasks,
    SentenceSimilarityTask,
    SentenceSimilarityTasks,
)

from .._artifacts import read_json, write_json
from .._hashing import bucket_and_sign
from .._text import words

_ARTIFACT = "idf.json"

# character n-grams are many per word; weigh them down so whole words dominate
_CHAR_NGRAM_WEIGHT = 0.5

_MODULE_NAME = "Hashed N-gram Embedder"
_MODULE_VERSION = "0.1.0"


@module(
    "5f0e9a8b-7c6d-4e5f-a4b3-c2d1e0f9a8b7",
    _MODULE_NAME,
    _MODULE_VERSION,
    tasks=[
        EmbeddingTask,
        EmbeddingTasks,
        SentenceSimilarityTask,
        SentenceSimilarityTasks,
        RerankTask,
        RerankTasks,
    ],
)
class HashedNgramEmbedder(ModuleBase):
    """Embed texts as unit vectors of hashed, IDF-weighted features.

    Features are the lower-cased words and the character n-grams of ``<word>`` (so related
    word forms share features). Each feature lands in one of ``dimensions`` buckets with a
    pseudo-random sign; training learns an inverse document frequency per bucket, so that
    features common in the training texts count less. Similarity is the cosine.
    """

    def __init__(self, idf: List[float], char_ngram_size: int = 3):
        """
        Args:
            idf: one weight per dimension (its length is the embedding size).
            char_ngram_size: length of the character n-grams (0 disables them).

        Raises:
            ValueError: ``idf`` is empty or ``char_ngram_size`` is negative.
        """
        if not idf:
            raise ValueError("idf must have at least one dimension")
        if char_ngram_size < 0:
            raise ValueError(f"char_ngram_size must be >= 0, got {char_ngram_size!r}")
        self._idf = [float(w) for w in idf]
        self._char_ngram_size = int(char_ngram_size)

    @property
    def dimensions(self) -> int:
        """The embedding size."""
        return len(self._idf)

    # -- the core operation ---------------------------------------------------------------------

    def embed(self, text: str) -> List[float]:
        """The unit-length embedding of ``text`` (all zeros for a text without words)."""
        vector = [0.0] * len(self._idf)
        for bucket, weight in self._features(text):
            vector[bucket] += weight * self._idf[bucket]
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector] if norm else vector

    # -- tasks ----------------------------------------------------------------------------------

    @EmbeddingTask.taskmethod()
    def run_embedding(self, text: str) -> EmbeddingResult:
        """Embed one text."""
        return EmbeddingResult(
            result=Vector1D.from_vector(self.embed(text)),
            producer_id=self._producer_id(),
            input_token_count=len(words(text)),
        )

    @EmbeddingTasks.taskmethod()
    def run_embeddings(self, texts: List[str]) -> EmbeddingResults:
        """Embed each text, in input order."""
        vectors = [Vector1D.from_vector(self.embed(text)) for text in texts]
        return EmbeddingResults(
            results=ListOfVector1D(vectors=vectors),
            producer_id=self._producer_id(),
            input_token_count=sum(len(words(text)) for text in texts),
        )

    @SentenceSimilarityTask.taskmethod()
    def run_sentence_similarity(
        self, source_sentence: str, sentences: List[str]
    ) -> SentenceSimilarityResult:
        """Cosine similarity of each sentence to the source sentence."""
        source = self.embed(source_sentence)
        targets = [self.embed(s) for s in sentences]
        return SentenceSimilarityResult(
            result=SentenceSimilarityScores(scores=[_dot(source, t) for t in targets]),
            producer_id=self._producer_id(),
            input_token_count=_token_count([source_sentence, *sentences]),
        )

    @SentenceSimilarityTasks.taskmethod()
    def run_sentence_similarities(
        self, source_sentences: List[str], sentences: List[str]
    ) -> SentenceSimilarityResults:
        """Cosine similarity of each sentence to each source sentence."""
        targets = [self.embed(s) for s in sentences]
        results = []
        for source_sentence in source_sentences:
            source = self.embed(source_sentence)
            results.append(SentenceSimilarityScores(scores=[_dot(source, t) for t in targets]))
        return SentenceSimilarityResults(
            results=results,
            producer_id=self._producer_id(),
            input_token_count=_token_count([*source_sentences, *sentences]),
        )

    @RerankTask.taskmethod()
    def run_rerank_query(
        self,
        query: str,
        documents: List[JsonDict],
        top_n: Optional[int] = None,
        return_documents: bool = True,
        return_query: bool = True,
        return_text: bool = True,
    ) -> RerankResult:
        """Rank documents by cosine similarity to the query, most similar first.

        Args:
            query: the search query.
            documents: JSON objects whose ``text`` (or ``_text``) holds the text to score.
            top_n: keep only this many (default all; values < 1 also mean all).
            return_documents: include each document in its score.
            return_query: include the query in the result.
            return_text: include each scored text in its score.

        Raises:
            ValueError: a document has neither a ``text`` nor a ``_text`` string.
        """
        texts = _document_texts(documents)
        scores = self._rank(query, texts, documents, top_n, return_documents, return_text)
        return RerankResult(
            result=RerankScores(query=query if return_query else None, scores=scores),
            producer_id=self._producer_id(),
            input_token_count=_token_count([query, *texts]),
        )

    @RerankTasks.taskmethod()
    def run_rerank_queries(
        self,
        queries: List[str],
        documents: List[JsonDict],
        top_n: Optional[int] = None,
        return_documents: bool = True,
        return_query: bool = True,
        return_text: bool = True,
    ) -> RerankResults:
        """Rank the documents for each query (see :meth:`run_rerank_query`)."""
        texts = _document_texts(documents)
        results = [
            RerankScores(
                query=query if return_query else None,
                scores=self._rank(query, texts, documents, top_n, return_documents, return_text),
            )
            for query in queries
        ]
        return RerankResults(
            results=results,
            producer_id=self._producer_id(),
            input_token_count=_token_count([*queries, *texts]),
        )

    # -- training -------------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        training_data: DataStream[str],
        dimensions: int = 256,
        char_ngram_size: int = 3,
    ) -> "HashedNgramEmbedder":
        """Learn per-dimension inverse document frequencies from a corpus.

        Args:
            training_data: texts (or ``{"text": ...}`` objects) representative of the inputs.
            dimensions: embedding size.
            char_ngram_size: length of character n-grams (0 disables them).

        Raises:
            ValueError: ``dimensions`` < 1.
        """
        if dimensions < 1:
            raise ValueError(f"dimensions must be >= 1, got {dimensions!r}")
        probe = cls([1.0] * dimensions, char_ngram_size)
        document_frequency = [0] * dimensions
        n_documents = 0
        for item in training_data:
            text = item["text"] if isinstance(item, dict) else str(item)
            n_documents += 1
            for bucket in {b for b, _ in probe._features(text)}:
                document_frequency[bucket] += 1
        idf = [math.log((1 + n_documents) / (1 + df)) + 1.0 for df in document_frequency]
        return cls(idf, char_ngram_size)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, model_path: str) -> None:
        """Write ``config.yml`` and the weights (``idf.json``)."""
        with ModuleSaver(self, model_path=model_path) as saver:
            write_json(saver.model_path, _ARTIFACT, self._idf)
            saver.update_config(
                {
                    "idf": _ARTIFACT,
                    "dimensions": self.dimensions,
                    "char_ngram_size": self._char_ngram_size,
                }
            )

    @classmethod
    def load(cls, model_path: Union[str, ModuleConfig]) -> "HashedNgramEmbedder":
        """Read a model written by :meth:`save`.

        Raises:
            ValueError: the weights do not have the configured number of dimensions.
        """
        loader = ModuleLoader(model_path)
        idf = read_json(loader.artifact_path(loader.load_arg("idf")))
        if len(idf) != loader.config["dimensions"]:
            raise ValueError(
                f"{loader.model_path!r}: idf has {len(idf)} weights, config says "
                f"{loader.config['dimensions']!r} dimensions"
            )
        return cls(idf, loader.config["char_ngram_size"])

    # -- internals ------------------------------------------------------------------------------

    def _features(self, text: str) -> Iterable[Tuple[int, float]]:
        """``(bucket, signed weight)`` of every feature occurrence of ``text``."""
        size = self._char_ngram_size
        for word in words(text):
            bucket, sign = bucket_and_sign("w:" + word, len(self._idf))
            yield bucket, sign
            if size:
                padded = f"<{word}>"
                for i in range(max(len(padded) - size + 1, 1)):
                    bucket, sign = bucket_and_sign("c:" + padded[i : i + size], len(self._idf))
                    yield bucket, sign * _CHAR_NGRAM_WEIGHT

    def _rank(
        self,
        query: str,
        texts: List[str],
        documents: List[Dict],
        top_n: Optional[int],
        return_documents: bool,
        return_text: bool,
    ) -> List[RerankScore]:
        source = self.embed(query)
        scored = sorted(
            ((_dot(source, self.embed(t)), i) for i, t in enumerate(texts)),
            key=lambda item: (-item[0], item[1]),
        )
        if top_n is not None and top_n > 0:
            scored = scored[:top_n]
        return [
            RerankScore(
                document=documents[i] if return_documents else None,
                index=i,
                score=score,
                text=texts[i] if return_text else None,
            )
            for score, i in scored
        ]

    def _producer_id(self) -> ProducerId:
        return ProducerId(name=_MODULE_NAME, version=_MODULE_VERSION)


def _dot(a: List[float], b: List[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def _token_count(texts: Iterable[str]) -> int:
    return sum(len(words(t)) for t in texts)


def _document_texts(documents: List[Dict]) -> List[str]:
    texts = []
    for index, document in enumerate(documents):
        text = document.get("text", document.get("_text")) if isinstance(document, dict) else None
        if not isinstance(text, str):
            raise ValueError(
                f"document {index} has no 'text' (or '_text') string: {document!r}"
            )
        texts.append(text)
    return texts


__all__ = ["HashedNgramEmbedder"]
