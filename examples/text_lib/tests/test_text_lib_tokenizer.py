"""RegexTokenizer: offsets point into the input; streaming yields exactly the unary tokens."""
import itertools

import pytest
from caikit.core.data_model import DataStream
from caikit.interfaces.nlp.data_model import TokenizationResults, TokenizationStreamResult
from caikit.interfaces.nlp.tasks import TokenizationTask
from hypothesis import given
from hypothesis import strategies as st
from text_lib import RegexTokenizer

TEXT = "Don't panic: my router's light is red, again!"


def test_module_identity():
    assert RegexTokenizer.MODULE_ID == "2b8f4c1e-6d7a-4e3b-8c9f-0a1b2c3d4e5f"
    assert RegexTokenizer.tasks == [TokenizationTask]


def test_tokens_and_offsets():
    result = RegexTokenizer().run(TEXT)
    assert isinstance(result, TokenizationResults)
    assert [t.text for t in result.results] == [
        "Don't", "panic", ":", "my", "router's", "light", "is", "red", ",", "again", "!",
    ]  # fmt: skip
    assert all(TEXT[t.start : t.end] == t.text for t in result.results)
    assert result.token_count == 11


def test_custom_pattern():
    model = RegexTokenizer.train(pattern=r"\S+")
    assert [t.text for t in model.run("a-b c.d").results] == ["a-b", "c.d"]


@pytest.mark.parametrize(("pattern", "message"), [("(", "invalid token pattern"), ("x*", "empty")])
def test_bad_patterns_are_rejected(pattern, message):
    with pytest.raises(ValueError, match=message):
        RegexTokenizer.train(pattern=pattern)


def _stream(model, chunks):
    return list(model.run_bidi_stream(DataStream.from_iterable(chunks)))


def test_streaming_emits_settled_tokens_with_progress():
    results = _stream(RegexTokenizer(), ["Hello wor", "ld, how", " are you"])
    assert all(isinstance(r, TokenizationStreamResult) for r in results)
    assert [[t.text for t in r.results] for r in results] == [
        ["Hello"], ["world", ","], ["how", "are"], ["you"],
    ]  # fmt: skip
    # each result covers [start_index, processed_index), and they tile the text
    assert [(r.start_index, r.processed_index) for r in results] == [
        (0, 6), (6, 13), (13, 21), (21, 24),
    ]  # fmt: skip
    assert [r.token_count for r in results] == [1, 2, 2, 1]


def test_streaming_nothing():
    assert _stream(RegexTokenizer(), []) == []
    assert _stream(RegexTokenizer(), ["   ", ""]) == []


@given(st.text(alphabet="ab' ,.\n", max_size=40), st.lists(st.integers(0, 40), max_size=6))
def test_streaming_equals_unary_for_any_chunking(text, cuts):
    model = RegexTokenizer()
    bounds = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds)]
    streamed = [t for r in _stream(model, chunks) for t in r.results]
    assert streamed == model.run(text).results


def test_save_and_load(tmp_path):
    model = RegexTokenizer.train(pattern=r"[a-z]+")
    model.save(str(tmp_path / "tok"))
    loaded = RegexTokenizer.load(str(tmp_path / "tok"))
    assert loaded.pattern == r"[a-z]+"
    assert loaded.run("ab1cd") == model.run("ab1cd")
