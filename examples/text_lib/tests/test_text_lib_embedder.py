"""HashedNgramEmbedder: stable unit vectors; similarity and reranking; save and load."""
import math
import subprocess
import sys

import pytest
from caikit.core.data_model import DataStream
from caikit.interfaces.nlp import tasks
from caikit.interfaces.nlp.data_model import (
    EmbeddingResult,
    EmbeddingResults,
    RerankResult,
    RerankResults,
    SentenceSimilarityResult,
    SentenceSimilarityResults,
)
from text_lib import HashedNgramEmbedder, datasets

CORPUS = [
    "refund my payment",
    "the package was delivered late",
    "my router lost the wifi connection",
    "reset my account password",
]


@pytest.fixture(scope="module")
def model():
    return HashedNgramEmbedder.train(DataStream.from_iterable(CORPUS), dimensions=64)


def test_module_identity():
    assert HashedNgramEmbedder.MODULE_ID == "5f0e9a8b-7c6d-4e5f-a4b3-c2d1e0f9a8b7"
    assert HashedNgramEmbedder.tasks == [
        tasks.EmbeddingTask,
        tasks.EmbeddingTasks,
        tasks.SentenceSimilarityTask,
        tasks.SentenceSimilarityTasks,
        tasks.RerankTask,
        tasks.RerankTasks,
    ]


def test_embeddings_are_unit_vectors_of_the_configured_size(model):
    vector = model.embed("Where is my package?")
    assert len(vector) == model.dimensions == 64
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0)
    assert model.embed("!!!") == [0.0] * 64


def test_embeddings_are_stable_across_processes(model):
    """Features are hashed with a fixed hash, not Python's per-process salted hash()."""
    code = (
        "from text_lib import HashedNgramEmbedder;"
        "print(HashedNgramEmbedder([1.0] * 16).embed('stable hashing'))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_embedding_results(model):
    one = model.run_embedding("refund my payment")
    assert isinstance(one, EmbeddingResult)
    assert one.input_token_count == 3
    assert one.producer_id.name == "Hashed N-gram Embedder"
    many = model.run_embeddings(["refund my payment", "reset password"])
    assert isinstance(many, EmbeddingResults)
    assert many.input_token_count == 5
    assert EmbeddingResult.from_proto(one.to_proto()) == one
    assert EmbeddingResults.from_json(many.to_json()) == many


def test_similar_texts_score_higher(model):
    result = model.run_sentence_similarity(
        "I want a refund for my payment", ["please refund the payment", "the wifi is down"]
    )
    assert isinstance(result, SentenceSimilarityResult)
    related, unrelated = result.result.scores
    assert related > unrelated
    assert model.run_sentence_similarity("same text", ["same text"]).result.scores == [
        pytest.approx(1.0)
    ]


def test_sentence_similarities(model):
    result = model.run_sentence_similarities(["refund", "wifi router"], ["payment refund", "router"])
    assert isinstance(result, SentenceSimilarityResults)
    assert len(result.results) == 2
    assert all(len(r.scores) == 2 for r in result.results)
    assert result.results[0].scores[0] > result.results[0].scores[1]
    assert result.results[1].scores[1] > result.results[1].scores[0]


DOCS = [
    {"text": "the courier delivered the package late", "id": "a"},
    {"_text": "refund for a double payment", "id": "b"},
    {"text": "router wifi connection drops", "id": "c"},
]


def test_rerank_orders_by_relevance(model):
    result = model.run_rerank_query("payment refund", DOCS)
    assert isinstance(result, RerankResult)
    assert result.result.query == "payment refund"
    scores = result.result.scores
    assert scores[0].index == 1
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    assert scores[0].document == DOCS[1]
    assert scores[0].text == "refund for a double payment"
    assert RerankResult.from_json(result.to_json()) == result


def test_rerank_options(model):
    result = model.run_rerank_query(
        "payment refund", DOCS, top_n=1, return_documents=False, return_query=False, return_text=False
    )
    (only,) = result.result.scores
    assert (only.index, only.document, only.text, result.result.query) == (1, None, None, None)


def test_rerank_queries(model):
    result = model.run_rerank_queries(["late package", "wifi"], DOCS, top_n=2)
    assert isinstance(result, RerankResults)
    assert [r.query for r in result.results] == ["late package", "wifi"]
    assert [r.scores[0].index for r in result.results] == [0, 2]
    assert all(len(r.scores) == 2 for r in result.results)


def test_documents_need_text(model):
    with pytest.raises(ValueError, match="document 1 has no 'text'"):
        model.run_rerank_query("q", [{"text": "ok"}, {"title": "no text"}])


def test_idf_weights_common_features_down(model):
    assert min(model._idf) >= 1.0
    assert max(model._idf) > min(model._idf)


def test_bad_dimensions():
    with pytest.raises(ValueError, match="dimensions must be >= 1"):
        HashedNgramEmbedder.train(CORPUS, dimensions=0)


def test_save_and_load(model, tmp_path):
    model.save(str(tmp_path / "emb"))
    loaded = HashedNgramEmbedder.load(str(tmp_path / "emb"))
    assert loaded.embed("late delivery") == model.embed("late delivery")


def test_load_rejects_mismatched_weights(model, tmp_path):
    model.save(str(tmp_path / "emb"))
    (tmp_path / "emb" / "idf.json").write_text("[1.0, 2.0]")
    with pytest.raises(ValueError, match="idf has 2 weights"):
        HashedNgramEmbedder.load(str(tmp_path / "emb"))


def test_shipped_dataset_nearest_neighbour_shares_the_label():
    records = datasets.classification_records()
    model = HashedNgramEmbedder.train(datasets.texts())
    vectors = [model.embed(r.text) for r in records]
    agree = 0
    for i, vector in enumerate(vectors):
        best = max(
            (j for j in range(len(vectors)) if j != i),
            key=lambda j: sum(a * b for a, b in zip(vector, vectors[j])),
        )
        agree += records[best].labels == records[i].labels
    assert agree / len(records) >= 0.6
