"""``SENTENCE``: bin streamed text until a sentence completes.

Built on caikit-compose's public API only: :class:`~caikit_compose.grouping.GroupingBase`, the
group store's compare-and-set (:meth:`~caikit_compose.group_store.GroupStoreBase.update`) and an
immutable :class:`~caikit_compose.group_store.FrozenState` per stream.
"""
from __future__ import annotations

import re
from operator import itemgetter
from typing import Any, Dict, List, Optional, Tuple

import alog
from caikit_compose import Message
from caikit_compose.group_store import DELETE, FrozenState, GroupStoreBase
from caikit_compose.grouping import GroupingBase
from caikit_compose.message import path_getter

from .data_model import Sentence

__all__ = ["SentenceBuffer", "SentenceGrouping"]

log = alog.use_channel("GPSNT")

_ON_CLOSE = ("keep", "drop", "flush")


class SentenceBuffer(tuple, FrozenState):
    """The unfinished text of one stream, the next sentence index and the last chunk."""

    __slots__ = ()
    codec_name = "caikit_compose_sentence.SentenceBuffer"

    def __new__(cls, text: str, index: int, last: Message) -> SentenceBuffer:
        return tuple.__new__(cls, (text, index, last))

    text = property(itemgetter(0))
    index = property(itemgetter(1))
    last = property(itemgetter(2))

    @classmethod
    def dataobject_class(cls) -> type:
        return Message

    def to_dataobject(self) -> Message:
        # The last chunk, with the buffer and index in its metadata: enough to rebuild.
        carrier = self.last.copy()
        carrier.metadata["_sentence_buffer"] = {"text": self.text, "index": self.index}
        return carrier

    @classmethod
    def from_dataobject(cls, obj: Message) -> SentenceBuffer:
        saved = obj.metadata.pop("_sentence_buffer")
        return cls(saved["text"], int(saved["index"]), obj)


def _option(config: Any, key: str, default: Any) -> Any:
    value = config.get(key) if config is not None else None
    return default if value is None else value


class SentenceGrouping(GroupingBase):
    """Collects text chunks per stream and emits one message per complete sentence."""

    name = "SENTENCE"

    def __init__(
        self,
        config: Any,
        subscription_id: str,
        group_store: GroupStoreBase,
        grouping_input: List[str],
    ):
        """
        Raises:
            TypeError: a config value has the wrong type
            ValueError: a config value is out of range
        """
        super().__init__(config, subscription_id, group_store, grouping_input)
        self.text_of = path_getter(str(_option(config, "text_field", "text")), "")
        keys = _option(config, "match_keys", ["header.data_id"])
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys or not all(isinstance(k, str) and k for k in keys):
            raise TypeError(f"SENTENCE match_keys must be non-empty strings, got {keys!r}")
        self._keys = [path_getter(k) for k in sorted(keys)]
        terminators = _option(config, "terminators", ".!?")
        if not isinstance(terminators, str) or not terminators:
            raise TypeError(f"SENTENCE terminators must be a non-empty string, got {terminators!r}")
        # a run of terminators (and closing quotes/brackets) followed by whitespace or the end
        self._boundary = re.compile(
            r"[" + re.escape(terminators) + r"]+[\"')\]]*(?=\s|$)"
        )
        ttl = _option(config, "partial_ttl", 3600)
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl < 0:
            raise ValueError(f"SENTENCE partial_ttl must be a number >= 0, got {ttl!r}")
        self.partial_ttl = float(ttl)
        self.emit_partial = bool(_option(config, "emit_partial", False))
        self.on_close = _option(config, "on_close", "keep")
        if self.on_close not in _ON_CLOSE:
            raise ValueError(f"SENTENCE on_close must be one of {_ON_CLOSE!r}, got {self.on_close!r}")
        self._prefix = f"{self.name}/{subscription_id}/e/"
        self.output_content_type = f"{self.name}.{subscription_id}"
        self._stats = {"expired": 0, "dropped_on_close": 0}

    # -- grouping ----------------------------------------------------------------------------

    def _stream_key(self, message: Message) -> str:
        return self._prefix + "\x1f".join(str(get(message)) for get in self._keys)

    def _split(self, text: str) -> Tuple[List[str], str]:
        sentences, start = [], 0
        for match in self._boundary.finditer(text):
            sentence = text[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        return sentences, text[start:]

    def add_message(self, message: Message) -> Optional[List[Message]]:
        """Append the chunk to its stream; return one message per sentence it completes."""
        chunk = self.text_of(message)
        if not isinstance(chunk, str):
            log.warning("<SNT11820350W> message %s has no text at the configured field", message.header.uid)
            return None

        def transition(current):
            state = current.state
            text = (state.text if state is not None else "") + chunk
            index = state.index if state is not None else 0
            sentences, rest = self._split(text)
            if rest.strip():
                new_state: Any = SentenceBuffer(rest, index + len(sentences), message)
            else:
                new_state = DELETE
            return new_state, (sentences, index)

        ttl = self.partial_ttl * 4 if self.partial_ttl else None
        sentences, first_index = self.group_store.update(
            self._stream_key(message), transition, ttl=ttl
        )
        if not sentences:
            return None
        return [
            self._sentence_message(text, first_index + i, True, message)
            for i, text in enumerate(sentences)
        ]

    def _sentence_message(self, text: str, index: int, complete: bool, source: Message) -> Message:
        header = source.header
        metadata: Dict[str, Any] = {
            k: v for k, v in source.metadata.items() if k != "_sentence_buffer"
        }
        return Message.from_data(
            Sentence(text=text, index=index, complete=complete),
            metadata=metadata,
            data_id=header.data_id,
            roi_id=header.roi_id,
            content_type=self.output_content_type,
        )

    def _take_partials(self, now: Optional[float]) -> List[SentenceBuffer]:
        """Remove (compare-and-delete) the buffers idle past the ttl (all when ``now`` is
        None) and return them."""
        store = self.group_store
        taken = []
        for key in store.scan(self._prefix):
            current = store.get_versioned(key)
            if current.state is None:
                continue
            if now is not None and now - current.updated_at < self.partial_ttl:
                continue
            if store.compare_and_delete(key, current.version):
                taken.append(current.state)
        return taken

    def expire(self, now: Optional[float] = None) -> List[Message]:
        """Expire unfinished sentences idle for ``partial_ttl`` (emitted with
        ``emit_partial``)."""
        if not self.partial_ttl:
            return []
        buffers = self._take_partials(self.group_store.now() if now is None else now)
        self._stats["expired"] += len(buffers)
        if not self.emit_partial:
            return []
        return [self._sentence_message(b.text.strip(), b.index, False, b.last) for b in buffers]

    def close(self) -> List[Message]:
        """Keep, drop or flush the unfinished sentences (``on_close``)."""
        if self.on_close == "keep":
            return []
        buffers = self._take_partials(None)
        if self.on_close == "drop":
            self._stats["dropped_on_close"] += len(buffers)
            return []
        return [self._sentence_message(b.text.strip(), b.index, False, b.last) for b in buffers]

    def get_pending_messages(self) -> List[Message]:
        """The last chunk of every stream with an unfinished sentence."""
        store = self.group_store
        pending = []
        for key in store.scan(self._prefix):
            state = store.get_versioned(key).state
            if state is not None:
                pending.append(state.last)
        return pending

    @property
    def stats(self) -> Dict[str, int]:
        """``expired`` and ``dropped_on_close`` counters."""
        return dict(self._stats)
