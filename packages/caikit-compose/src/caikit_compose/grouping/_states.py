"""The immutable states the built-in groupings keep in the group store.

All are tuple subclasses: building one is a single C-level allocation, and nothing about them
can be changed after construction.

* :class:`PartialGroup`: an incomplete KEY element (or COUNT frame);
* :class:`WindowBlock`: the frames of a block of COUNT windows, by publish sequence;
* :class:`SeriesState`: COUNT's window of frames for messages without a publish sequence.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Tuple

from ..group_store.state import FrozenState
from ..message import Message
from .group_data import CompoundGroupState, GroupElement, messages_of

__all__ = ["EMPTY_SERIES", "PartialGroup", "SeriesState", "WindowBlock", "frame_key"]

_tuple_new = tuple.__new__


class PartialGroup(tuple, FrozenState):
    """An incomplete group: the messages that arrived so far for one match key."""

    __slots__ = ()
    codec_name = "caikit_compose.PartialGroup"

    def __new__(cls, messages: Tuple[Message, ...]) -> PartialGroup:
        return _tuple_new(cls, (messages,))

    messages = property(itemgetter(0), doc="the member messages, in arrival order")

    def has_type(self, content_type: str) -> bool:
        """Whether a member has header ``content_type``."""
        for msg in self[0]:
            if msg.header.content_type == content_type:
                return True
        return False

    @classmethod
    def dataobject_class(cls) -> type:
        return GroupElement

    def to_dataobject(self) -> GroupElement:
        return GroupElement(messages=list(self[0]))

    @classmethod
    def from_dataobject(cls, obj: GroupElement) -> PartialGroup:
        return cls(tuple(obj.messages or ()))

    def __repr__(self) -> str:
        return f"PartialGroup({[m.header.content_type for m in self[0]]!r})"


def frame_key(frame: Any) -> int:
    """A frame (a message, or a tuple of them) sorts by its newest member's creation time."""
    if frame.__class__ is tuple:
        return max(m.header.sort_key for m in frame)
    return frame.header.sort_key


class SeriesState(tuple, FrozenState):
    """The completed frames of a sliding window, oldest first.

    A frame is a tuple of messages (one per content type) or, for a single content type, the
    message itself. ``skip`` counts frames still to be discarded when the stride is larger than
    the window.
    """

    __slots__ = ()
    codec_name = "caikit_compose.SeriesState"

    def __new__(cls, frames: Tuple[Any, ...], skip: int = 0) -> SeriesState:
        return _tuple_new(cls, (frames, skip))

    frames = property(itemgetter(0), doc="the completed frames, oldest first")
    skip = property(itemgetter(1), doc="frames still to skip")

    def frame_messages(self, index: int) -> Tuple[Message, ...]:
        """The messages of frame ``index``."""
        return messages_of(self[0][index])

    @classmethod
    def dataobject_class(cls) -> type:
        return CompoundGroupState

    def to_dataobject(self) -> CompoundGroupState:
        return CompoundGroupState(
            partial_items={},
            series=[
                GroupElement(messages=list(self.frame_messages(i))) for i in range(len(self[0]))
            ],
            skip=self[1],
        )

    @classmethod
    def from_dataobject(cls, obj: CompoundGroupState) -> SeriesState:
        frames = tuple(
            messages[0] if len(messages) == 1 else messages
            for messages in (tuple(e.messages or ()) for e in obj.series or ())
        )
        return cls(frames, obj.skip or 0)

    def __repr__(self) -> str:
        return f"SeriesState(frames={len(self[0])}, skip={self[1]})"


EMPTY_SERIES = SeriesState((), 0)


class WindowBlock(tuple, FrozenState):
    """A block of consecutive COUNT windows: their frames so far and which windows completed.

    ``sequences[i]`` is the publish sequence of ``frames[i]`` (ascending); a frame is a
    message, or a tuple of messages for several content types. Bit ``j`` of ``done`` is set
    once the block's ``j``-th window completed. Serialized as a ``CompoundGroupState`` whose
    ``partial_items`` map each sequence (as text) to the frame's element and whose ``skip``
    holds ``done``.
    """

    __slots__ = ()
    codec_name = "caikit_compose.WindowBlock"

    def __new__(cls, sequences: Tuple[int, ...], frames: Tuple[Any, ...], done: int) -> WindowBlock:
        return _tuple_new(cls, (sequences, frames, done))

    sequences = property(itemgetter(0), doc="the frames' publish sequences, ascending")
    frames = property(itemgetter(1), doc="the frames, in sequence order")
    done = property(itemgetter(2), doc="bit j: the block's j-th window completed")

    def frame_messages(self, index: int) -> Tuple[Message, ...]:
        """The messages of frame ``index``."""
        return messages_of(self[1][index])

    @classmethod
    def dataobject_class(cls) -> type:
        return CompoundGroupState

    def to_dataobject(self) -> CompoundGroupState:
        return CompoundGroupState(
            partial_items={
                str(sequence): GroupElement(messages=list(self.frame_messages(i)))
                for i, sequence in enumerate(self[0])
            },
            series=[],
            skip=self[2],
        )

    @classmethod
    def from_dataobject(cls, obj: CompoundGroupState) -> WindowBlock:
        items = sorted(((int(k), v) for k, v in (obj.partial_items or {}).items()), key=_first)
        return cls(
            tuple(sequence for sequence, _ in items),
            tuple(
                messages[0] if len(messages) == 1 else messages
                for messages in (tuple(element.messages or ()) for _, element in items)
            ),
            obj.skip or 0,
        )

    def __repr__(self) -> str:
        return f"WindowBlock(sequences={list(self[0])!r}, done={self[2]:#b})"


_first = itemgetter(0)
