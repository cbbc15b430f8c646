"""Regex tokenization shared by every text_lib model.

Offsets are character offsets into the original string, so results point back at the input.
"""
import re
from typing import List, Pattern, Tuple

#: words (with inner apostrophes, e.g. ``don't``) and single punctuation marks
DEFAULT_TOKEN_PATTERN = r"\w+(?:['\u2019]\w+)*|[^\w\s]"

#: words only: what the classifier and embedder count
WORD_PATTERN = r"\w+(?:['\u2019]\w+)*"

Span = Tuple[int, int]


def compile_pattern(pattern: str) -> Pattern[str]:
    """Compile a token pattern.

    Raises:
        ValueError: the pattern is not a valid regular expression, or it matches the empty
            string (which would produce empty tokens).
    """
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"invalid token pattern {pattern!r}: {err}") from err
    if compiled.fullmatch(""):
        raise ValueError(f"token pattern {pattern!r} matches the empty string")
    return compiled


def token_spans(pattern: Pattern[str], text: str, offset: int = 0) -> List[Span]:
    """``(start, end)`` of every token of ``text``, shifted by ``offset``."""
    return [(m.start() + offset, m.end() + offset) for m in pattern.finditer(text)]


_WORDS = re.compile(WORD_PATTERN)


def words(text: str) -> List[str]:
    """The lower-cased words of ``text`` (punctuation dropped)."""
    return [m.group().lower() for m in _WORDS.finditer(text)]


def settled_length(text: str) -> int:
    """How much of a growing text can no longer change its tokens: everything up to and
    including its last whitespace character (0 if it has none).

    Tokens never span whitespace for the patterns used here, so text before the last
    whitespace tokenizes the same however the stream continues.
    """
    for index in range(len(text) - 1, -1, -1):
        if text[index].isspace():
            return index + 1
    return 0


_PIECES = re.compile(r"\s*\S+\s*|\s+")


def whitespace_pieces(text: str) -> List[str]:
    """``text`` cut after each run of whitespace: ``"a b  c"`` -> ``["a ", "b  ", "c"]``.

    Feeding these pieces to a streaming method streams a whole text back piece by piece.
    """
    return _PIECES.findall(text)
