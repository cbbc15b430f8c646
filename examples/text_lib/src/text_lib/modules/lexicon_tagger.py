"""A lexicon token classifier: learns labelled phrases from annotated texts and finds them."""
from collections import Counter
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple, Union

from caikit.core import ModuleBase, module
from caikit.core.data_model import DataStream
from caikit.core.modules import ModuleConfig, ModuleLoader, ModuleSaver
from caikit.interfaces.nlp.data_model import (
    TokenClassificationResult,
    TokenClassificationResults,
    TokenClassificationStreamResult,
)
from caikit.interfaces.nlp.tasks import TokenClassificationTask

from .._artifacts import read_json, write_json
from .._text import (
    DEFAULT_TOKEN_PATTERN,
    Span,
    compile_pattern,
    settled_length,
    token_spans,
    whitespace_pieces,
)
from ..data_model import EntityTrainRecord

_ARTIFACT = "lexicon.json"

#: one lexicon entry: the label of a phrase and how reliably the phrase carries it
Entry = Tuple[str, float]


@module(
    "9d3a5b7c-1e2f-4a6b-8c0d-e1f2a3b4c5d6",
    "Lexicon Token Classifier",
    "0.1.0",
    task=TokenClassificationTask,
)
class LexiconTokenClassifier(ModuleBase):
    """Label the known phrases of a text, longest match first.

    Training collects every labelled phrase and scores it by precision: how often the phrase
    carried its label among all its occurrences in the training texts. A phrase that is
    often unlabelled ("router" in "my router is broken") scores low and is dropped below
    ``min_score``.
    """

    def __init__(
        self,
        lexicon: Dict[str, Entry],
        case_sensitive: bool = False,
        pattern: str = DEFAULT_TOKEN_PATTERN,
    ):
        """
        Args:
            lexicon: phrase (its tokens joined by single spaces, lower-cased unless
                ``case_sensitive``) -> ``(label, score)``.
            case_sensitive: match phrases with their case.
            pattern: token regular expression (tokens must not contain whitespace).

        Raises:
            ValueError: the pattern is invalid.
        """
        self._case_sensitive = bool(case_sensitive)
        self._pattern_text = pattern
        self._pattern = compile_pattern(pattern)
        self._lexicon = {phrase: (str(label), float(score)) for phrase, (label, score) in lexicon.items()}
        self._max_tokens = max((len(p.split(" ")) for p in self._lexicon), default=1)

    @property
    def lexicon(self) -> Dict[str, Entry]:
        """A copy of the lexicon: phrase -> ``(label, score)``."""
        return dict(self._lexicon)

    # -- inference ------------------------------------------------------------------------------

    @TokenClassificationTask.taskmethod()
    def run(self, text: str) -> TokenClassificationResults:
        """Find the known phrases of ``text``."""
        results, _ = self._match(text, token_spans(self._pattern, text), 0, final=True)
        return TokenClassificationResults(results=results)

    @TokenClassificationTask.taskmethod(output_streaming=True)
    def run_stream_out(self, text: str) -> DataStream[TokenClassificationStreamResult]:
        """Process a whole text, streaming the labelled spans back as soon as each is final."""
        return DataStream(lambda: self._stream(whitespace_pieces(text)))

    @TokenClassificationTask.taskmethod(input_streaming=True, output_streaming=True)
    def run_bidi_stream(
        self, text_stream: DataStream[str]
    ) -> DataStream[TokenClassificationStreamResult]:
        """Find the known phrases of a text that arrives in chunks.

        A phrase is reported once the text after it can no longer extend it. Offsets are into
        the concatenation of all chunks; the results together equal ``run`` on the whole text.
        """
        return DataStream(lambda: self._stream(text_stream))

    # -- training -------------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        training_data: DataStream[EntityTrainRecord],
        min_score: float = 0.5,
        case_sensitive: bool = False,
    ) -> "LexiconTokenClassifier":
        """Learn the labelled phrases of annotated texts.

        Args:
            training_data: texts with their labelled spans.
            min_score: drop phrases whose precision is below this.
            case_sensitive: tell phrases apart by case.

        Raises:
            ValueError: a span lies outside its text, is empty, or covers no token.
        """
        probe = cls({}, case_sensitive)
        records = [_record(item) for item in training_data]
        label_counts: Dict[str, Counter] = {}
        for record in records:
            spans = token_spans(probe._pattern, record.text)
            for entity in record.entities or []:
                if not 0 <= entity.start < entity.end <= len(record.text):
                    raise ValueError(
                        f"entity span ({entity.start}, {entity.end}) is outside text "
                        f"{record.text!r} of length {len(record.text)}"
                    )
                inside = [s for s in spans if s[0] >= entity.start and s[1] <= entity.end]
                if not inside:
                    raise ValueError(
                        f"entity {record.text[entity.start:entity.end]!r} covers no token"
                    )
                phrase = probe._phrase(record.text, inside)
                label_counts.setdefault(phrase, Counter())[entity.label] += 1
        occurrences = _count_occurrences(probe, records, set(label_counts))
        lexicon = {}
        for phrase, counts in label_counts.items():
            label, count = max(counts.items(), key=lambda item: (item[1], item[0]))
            score = count / max(occurrences.get(phrase, 0), sum(counts.values()))
            if score >= min_score:
                lexicon[phrase] = (label, score)
        return cls(lexicon, case_sensitive)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, model_path: str) -> None:
        """Write ``config.yml`` and the lexicon (``lexicon.json``)."""
        with ModuleSaver(self, model_path=model_path) as saver:
            entries = [
                {"phrase": phrase, "label": label, "score": score}
                for phrase, (label, score) in sorted(self._lexicon.items())
            ]
            write_json(saver.model_path, _ARTIFACT, entries)
            saver.update_config(
                {
                    "lexicon": _ARTIFACT,
                    "case_sensitive": self._case_sensitive,
                    "pattern": self._pattern_text,
                }
            )

    @classmethod
    def load(cls, model_path: Union[str, ModuleConfig]) -> "LexiconTokenClassifier":
        """Read a model written by :meth:`save`."""
        loader = ModuleLoader(model_path)
        entries = read_json(loader.artifact_path(loader.load_arg("lexicon")))
        lexicon = {e["phrase"]: (e["label"], e["score"]) for e in entries}
        return cls(lexicon, loader.config["case_sensitive"], loader.config["pattern"])

    # -- internals ------------------------------------------------------------------------------

    def _phrase(self, text: str, spans: Sequence[Span]) -> str:
        phrase = " ".join(text[s:e] for s, e in spans)
        return phrase if self._case_sensitive else phrase.lower()

    def _match(
        self, text: str, spans: List[Span], offset: int, final: bool
    ) -> Tuple[List[TokenClassificationResult], int]:
        """Greedy longest-match over ``spans`` of ``text``.

        Unless ``final``, stops before the first token whose match could still depend on
        tokens not seen yet. Returns the results (offsets shifted by ``offset``) and the index
        of the first token not decided.
        """
        results = []
        index = 0
        while index < len(spans):
            if not final and index + self._max_tokens > len(spans):
                break
            longest = min(self._max_tokens, len(spans) - index)
            for size in range(longest, 0, -1):
                window = spans[index : index + size]
                entry = self._lexicon.get(self._phrase(text, window))
                if entry is not None:
                    start, end = window[0][0], window[-1][1]
                    results.append(
                        TokenClassificationResult(
                            start=start + offset,
                            end=end + offset,
                            word=text[start:end],
                            entity=entry[0],
                            entity_group=entry[0],
                            score=entry[1],
                            token_count=size,
                        )
                    )
                    index += size
                    break
            else:
                index += 1
        return results, index

    def _stream(self, chunks: Iterable[str]) -> Iterator[TokenClassificationStreamResult]:
        pending = ""  # undecided text; it starts at offset `done` of the whole stream
        done = 0
        reported = 0  # end of the text covered by the results emitted so far
        for chunk in chunks:
            pending += chunk
            settled = settled_length(pending)
            spans = token_spans(self._pattern, pending[:settled])
            results, index = self._match(pending, spans, done, final=False)
            cut = spans[index][0] if index < len(spans) else settled
            pending, done = pending[cut:], done + cut
            if results:
                yield TokenClassificationStreamResult(
                    results=results, processed_index=done, start_index=reported
                )
                reported = done
        results, _ = self._match(pending, token_spans(self._pattern, pending), done, final=True)
        if results:
            yield TokenClassificationStreamResult(
                results=results, processed_index=done + len(pending), start_index=reported
            )


def _record(item) -> EntityTrainRecord:
    """Accept records or plain dicts (as read from a JSON file)."""
    if isinstance(item, dict):
        return EntityTrainRecord.from_json(item)
    return item


def _count_occurrences(
    probe: LexiconTokenClassifier, records: List[EntityTrainRecord], phrases: set
) -> Counter:
    """How often each phrase occurs as a token sequence in the training texts.

    An occurrence inside a different labelled span (``Router`` in a labelled
    ``Nimbus Router``) is not counted: there the text was labelled, just as a longer phrase.
    """
    max_tokens = max((len(p.split(" ")) for p in phrases), default=1)
    counts: Counter = Counter()
    for record in records:
        labelled = {(e.start, e.end) for e in record.entities or []}
        spans = token_spans(probe._pattern, record.text)
        for index in range(len(spans)):
            for size in range(1, min(max_tokens, len(spans) - index) + 1):
                window = spans[index : index + size]
                phrase = probe._phrase(record.text, window)
                if phrase not in phrases:
                    continue
                start, end = window[0][0], window[-1][1]
                inside_other = any(
                    s < end and start < e and (s, e) != (start, end) for s, e in labelled
                )
                if not inside_other:
                    counts[phrase] += 1
    return counts


__all__ = ["LexiconTokenClassifier"]
