"""The immutable states the built-in groupings keep in the group store.

Both are tuple subclasses: building one is a single C-level allocation, and nothing about them
can be changed after construction.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Tuple

from ..group_store.state import FrozenState
from ..message import Message
from .group_data import CompoundGroupState, GroupElement

__all__ = ["EMPTY_SERIES", "PartialGroup", "SeriesState", "frame_key"]

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
        frame = self[0][index]
        return frame if frame.__class__ is tuple else (frame,)

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
