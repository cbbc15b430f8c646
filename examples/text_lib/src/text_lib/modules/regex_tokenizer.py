"""A regular-expression tokenizer, unary and bidirectionally streamed."""
from typing import Iterable, Iterator, Union

from caikit.core import ModuleBase, module
from caikit.core.data_model import DataStream
from caikit.core.modules import ModuleConfig, ModuleLoader, ModuleSaver
from caikit.interfaces.nlp.data_model import Token, TokenizationResults, TokenizationStreamResult
from caikit.interfaces.nlp.tasks import TokenizationTask

from .._text import (
    DEFAULT_TOKEN_PATTERN,
    compile_pattern,
    settled_length,
    token_spans,
    whitespace_pieces,
)


@module(
    "2b8f4c1e-6d7a-4e3b-8c9f-0a1b2c3d4e5f",
    "Regex Tokenizer",
    "0.1.0",
    task=TokenizationTask,
)
class RegexTokenizer(ModuleBase):
    """Split text into the matches of a regular expression.

    The default pattern yields words (keeping inner apostrophes, ``don't``) and single
    punctuation marks. Streaming assumes tokens never contain whitespace, which holds for the
    default pattern and most useful ones.
    """

    def __init__(self, pattern: str = DEFAULT_TOKEN_PATTERN):
        """
        Args:
            pattern: the token regular expression.

        Raises:
            ValueError: the pattern is invalid or matches the empty string.
        """
        self._pattern_text = pattern
        self._pattern = compile_pattern(pattern)

    @property
    def pattern(self) -> str:
        """The token regular expression."""
        return self._pattern_text

    @TokenizationTask.taskmethod()
    def run(self, text: str) -> TokenizationResults:
        """Tokenize a whole text."""
        tokens = self._tokens(text)
        return TokenizationResults(results=tokens, token_count=len(tokens))

    @TokenizationTask.taskmethod(output_streaming=True)
    def run_stream_out(self, text: str) -> DataStream[TokenizationStreamResult]:
        """Process a whole text, streaming the tokens back as soon as each is final."""
        return DataStream(lambda: self._stream(whitespace_pieces(text)))

    @TokenizationTask.taskmethod(input_streaming=True, output_streaming=True)
    def run_bidi_stream(self, text_stream: DataStream[str]) -> DataStream[TokenizationStreamResult]:
        """Tokenize a text that arrives in chunks, emitting tokens as soon as they are final.

        Offsets are into the concatenation of all chunks. Each result covers
        ``[start_index, processed_index)``; together they hold exactly the tokens ``run``
        finds in the whole text.
        """
        return DataStream(lambda: self._stream(text_stream))

    @classmethod
    def train(cls, pattern: str = DEFAULT_TOKEN_PATTERN) -> "RegexTokenizer":
        """'Train' (configure) a tokenizer: validates and stores the pattern.

        Raises:
            ValueError: the pattern is invalid or matches the empty string.
        """
        return cls(pattern)

    def save(self, model_path: str) -> None:
        """Write ``config.yml`` (the pattern is the whole model)."""
        with ModuleSaver(self, model_path=model_path) as saver:
            saver.update_config({"pattern": self._pattern_text})

    @classmethod
    def load(cls, model_path: Union[str, ModuleConfig]) -> "RegexTokenizer":
        """Read a model written by :meth:`save`."""
        return cls(ModuleLoader(model_path).load_arg("pattern"))

    # -- internals ------------------------------------------------------------------------------

    def _tokens(self, text: str, offset: int = 0) -> list:
        return [
            Token(start=s + offset, end=e + offset, text=text[s:e])
            for s, e in token_spans(self._pattern, text)
        ]

    def _stream(self, chunks: Iterable[str]) -> Iterator[TokenizationStreamResult]:
        pending = ""  # text not tokenized yet; it starts at offset `done` of the whole stream
        done = 0
        reported = 0  # end of the text covered by the results emitted so far
        for chunk in chunks:
            pending += chunk
            settled = settled_length(pending)
            if settled:
                tokens = self._tokens(pending[:settled], done)
                pending, done = pending[settled:], done + settled
                if tokens:
                    yield _stream_result(tokens, reported, done)
                    reported = done
        if pending:
            tokens = self._tokens(pending, done)
            if tokens:
                yield _stream_result(tokens, reported, done + len(pending))


def _stream_result(tokens: list, start: int, processed: int) -> TokenizationStreamResult:
    return TokenizationStreamResult(
        results=tokens, token_count=len(tokens), processed_index=processed, start_index=start
    )


__all__ = ["RegexTokenizer"]
