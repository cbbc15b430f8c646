"""LexiconTokenClassifier: learns phrases with their precision, matches longest first, and
streams exactly the unary results."""
import itertools

import pytest
from caikit.core.data_model import DataStream
from caikit.interfaces.nlp.data_model import TokenClassificationResults
from caikit.interfaces.nlp.tasks import TokenClassificationTask
from hypothesis import given
from hypothesis import strategies as st
from text_lib import EntitySpan, EntityTrainRecord, LexiconTokenClassifier, datasets


def record(text, *spans):
    """A training record; spans are given as (phrase, label) and located in the text."""
    entities = []
    for phrase, label in spans:
        start = text.index(phrase)
        entities.append(EntitySpan(start=start, end=start + len(phrase), label=label))
    return EntityTrainRecord(text=text, entities=entities)


TRAINING = [
    record("My Nimbus Router is broken", ("Nimbus Router", "PRODUCT")),
    record("Ship it to New York please", ("New York", "CITY")),
    record("I live in York", ("York", "CITY")),
    # "router" is labelled once and unlabelled twice: precision 1/3
    record("The router works", ("router", "PRODUCT")),
    record("a router"),
    record("another router here"),
]


@pytest.fixture(scope="module")
def model():
    return LexiconTokenClassifier.train(DataStream.from_iterable(TRAINING), min_score=0.5)


def test_module_identity():
    assert LexiconTokenClassifier.MODULE_ID == "9d3a5b7c-1e2f-4a6b-8c0d-e1f2a3b4c5d6"
    assert LexiconTokenClassifier.tasks == [TokenClassificationTask]


def test_lexicon_keeps_precise_phrases_only(model):
    assert model.lexicon == {
        "nimbus router": ("PRODUCT", 1.0),
        "new york": ("CITY", 1.0),
        "york": ("CITY", 1.0),
    }
    low = LexiconTokenClassifier.train(TRAINING, min_score=0.3)
    assert low.lexicon["router"] == ("PRODUCT", pytest.approx(1 / 3))


def test_longest_match_wins_and_offsets_point_into_the_text(model):
    text = "new york and York, and my NIMBUS router"
    result = model.run(text)
    assert isinstance(result, TokenClassificationResults)
    found = [(r.word, r.entity, r.token_count) for r in result.results]
    assert found == [("new york", "CITY", 2), ("York", "CITY", 1), ("NIMBUS router", "PRODUCT", 2)]
    assert all(text[r.start : r.end] == r.word for r in result.results)
    assert all(r.entity_group == r.entity for r in result.results)


def test_case_sensitive_model():
    model = LexiconTokenClassifier.train(TRAINING, case_sensitive=True)
    assert [r.word for r in model.run("york York").results] == ["York"]


@pytest.mark.parametrize(
    ("entity", "message"),
    [(EntitySpan(start=3, end=99, label="X"), "outside text"), (EntitySpan(start=2, end=3, label="X"), "covers no token")],
)
def test_bad_spans_are_rejected(entity, message):
    with pytest.raises(ValueError, match=message):
        LexiconTokenClassifier.train([EntityTrainRecord(text="ab cd", entities=[entity])])


def test_dict_records_are_accepted():
    model = LexiconTokenClassifier.train(
        [{"text": "visit Oslo", "entities": [{"start": 6, "end": 10, "label": "CITY"}]}]
    )
    assert [r.word for r in model.run("Oslo!").results] == ["Oslo"]


def _stream(model, chunks):
    return list(model.run_bidi_stream(DataStream.from_iterable(chunks)))


def test_streaming_waits_until_a_phrase_cannot_grow(model):
    results = _stream(model, ["I moved to New", " York", " from York"])
    assert [[r.word for r in res.results] for res in results] == [["New York"], ["York"]]
    assert results[0].start_index == 0
    assert results[1].start_index == results[0].processed_index


@given(
    st.lists(st.sampled_from(["new", "york", "York", "nimbus", "router", "x", ",", " ", "  "]), max_size=12),
    st.lists(st.integers(0, 60), max_size=5),
)
def test_streaming_equals_unary_for_any_chunking(model, words, cuts):
    text = " ".join(words)
    bounds = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds)]
    streamed = [r for res in _stream(model, chunks) for r in res.results]
    assert streamed == model.run(text).results


def test_save_and_load(model, tmp_path):
    model.save(str(tmp_path / "tagger"))
    loaded = LexiconTokenClassifier.load(str(tmp_path / "tagger"))
    assert loaded.lexicon == model.lexicon
    text = "New York, York and a nimbus router"
    assert loaded.run(text) == model.run(text)


def test_shipped_dataset_spans_align_and_train():
    records = datasets.entity_records()
    assert len(records) == 52
    for rec in records:
        for span in rec.entities:
            surface = rec.text[span.start : span.end]
            assert surface == surface.strip() and surface, rec.text
    model = LexiconTokenClassifier.train(records)
    found = {(r.word, r.entity) for r in model.run("My Orbit Speaker is stuck in Oslo since May 2").results}
    assert found == {("Orbit Speaker", "PRODUCT"), ("Oslo", "CITY"), ("May 2", "DATE")}
