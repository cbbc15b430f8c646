"""The data objects groupings emit and store.

* :class:`GroupElement`: the messages that matched one key (the body of a KEY_GROUPING output,
  and one frame of a COUNT_GROUPING window);
* :class:`CompoundGroup`: a series of elements (the body of a COUNT_GROUPING output, in window
  order);
* :class:`CompoundGroupState`: the serialized form of a compound grouping's state (used by group
  stores outside the process).

Full names: ``caikit_data_model.compose.{GroupElement,CompoundGroup,CompoundGroupState}``.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

from caikit.core.data_model import DataObjectBase, dataobject

from ..message import PACKAGE, Message, _json_copy, metadata_if_any
from ..utils.dict_tools import deep_merge

__all__ = [
    "CompoundGroup",
    "CompoundGroupState",
    "GroupElement",
    "make_element",
    "make_window",
    "merge_metadata",
    "newest",
]

_new = object.__new__


def newest(messages: Iterable[Message]) -> Optional[Message]:
    """The most recently created message (the last one among equals), or None."""
    best = None
    best_key = None
    for msg in messages:
        key = msg.header.sort_key
        if best_key is None or key >= best_key:
            best, best_key = msg, key
    return best


def merge_metadata(messages: Iterable[Message]) -> Dict[str, Any]:
    """Deep-merge the messages' metadata in creation-time order (later wins), as a new dict."""
    # a message without metadata has not even allocated the empty dict: do not make it
    with_metadata = []
    for msg in messages:
        d = msg.__dict__
        metadata = d.get("metadata")
        if metadata or (metadata is None and "_metadata_pb" in d and metadata_if_any(msg)):
            with_metadata.append(msg)
    if not with_metadata:
        return {}
    if len(with_metadata) > 1:
        with_metadata.sort(key=lambda m: m.header.sort_key)
    merged: Dict[str, Any] = {}
    for msg in with_metadata:
        deep_merge(merged, _json_copy(msg.metadata))
    return merged


@dataobject(package=PACKAGE)
class GroupElement(DataObjectBase):
    """The messages gathered under one match key.

    Attributes:
        messages: the member messages, in arrival order
    """

    messages: List[Message]

    def merged_metadata(self) -> Dict[str, Any]:
        """The members' metadata deep-merged in creation-time order (later wins)."""
        return merge_metadata(self.messages or ())

    @property
    def trigger_message(self) -> Optional[Message]:
        """The newest member (by creation time), or None when empty."""
        return newest(self.messages or ())

    def get(self, content_type: str) -> Optional[Message]:
        """The member with header ``content_type`` (None if absent)."""
        for msg in self.messages or ():
            if msg.header.content_type == content_type:
                return msg
        return None


def _element_key(element: GroupElement) -> int:
    trigger = element.trigger_message
    return -1 if trigger is None else trigger.header.sort_key


@dataobject(package=PACKAGE)
class CompoundGroup(DataObjectBase):
    """A series of group elements (a COUNT_GROUPING window).

    Attributes:
        series: the elements: in window order in what COUNT_GROUPING emits (publish sequence);
            sorted by their trigger message's creation time when built with ``CompoundGroup()``
    """

    series: List[GroupElement]

    def __init__(self, series: Optional[List[GroupElement]] = None):
        """Build the group; ``series`` is sorted by each element's trigger creation time."""
        series = list(series or ())
        series.sort(key=_element_key)
        self.__dict__["series"] = series

    @property
    def trigger_message(self) -> Optional[Message]:
        """The newest message of the newest element."""
        return self.series[-1].trigger_message if self.series else None

    def merged_metadata(self) -> Dict[str, Any]:
        """Every member's metadata deep-merged in creation-time order."""
        return merge_metadata(m for element in self.series for m in element.messages or ())


def make_element(messages: Iterable[Message]) -> GroupElement:
    """A new :class:`GroupElement` holding a fresh list of ``messages``."""
    element = _new(GroupElement)
    element.__dict__["messages"] = list(messages)
    return element


def messages_of(frame: Any) -> Tuple[Any, ...]:
    """The messages of a frame: a tuple of messages, or a single message."""
    return frame if frame.__class__ is tuple else (frame,)


def make_window(frames: Iterable[Any]) -> CompoundGroup:
    """A :class:`CompoundGroup` of frames already in window order (publish sequence, or
    creation time for frames without one); they are not sorted again.

    A frame is a tuple of messages, or a single message.
    """
    group = _new(CompoundGroup)
    group.__dict__["series"] = [make_element(messages_of(frame)) for frame in frames]
    return group


@dataobject(package=PACKAGE)
class CompoundGroupState(DataObjectBase):
    """Serialized compound-grouping state.

    Attributes:
        partial_items: incomplete elements by element id
        series: completed elements not yet released from the window
        skip: completed elements still to be skipped (COUNT_GROUPING stride beyond the window)
    """

    partial_items: Dict[str, GroupElement]
    series: List[GroupElement]
    skip: int
