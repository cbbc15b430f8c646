"""``KEY_GROUPING``: one message of each input type, matched by key.

For each element id (``header.data_id`` by default, see ``match_keys``) the grouping waits for
one message of every type in ``grouping_input`` and then emits them together:

* body: a :class:`~caikit_compose.grouping.group_data.GroupElement` whose ``messages`` are in
  arrival order;
* header: ``content_type = "KEY_GROUPING.<subscription_id>"``, the matched ``data_id`` (the
  newest member's when keys other than the data_id are matched) and the newest member's
  ``roi_id``;
* metadata: the members' metadata deep-merged in creation order.

With a single input type every message is a complete group at once; only its tombstone is kept
(a later message with the same key is dropped while the tombstone lives; none with
``tombstone_ttl: 0``). See :mod:`caikit_compose.grouping.compound_grouping_base` for config,
tombstones, expiry and drops.
"""
from __future__ import annotations

from typing import Optional, Tuple

import alog

from ..message import Message
from .compound_grouping_base import CompoundGroupingBase

__all__ = ["KeyGrouping"]

log = alog.use_channel("GPKEY")


class KeyGrouping(CompoundGroupingBase):
    """Groups one message per input type sharing the same match-key values."""

    name = "KEY_GROUPING"

    def add_message(self, message: Message) -> Optional[Message]:
        """Add ``message``; return the group message when its element completes.

        Foreign and duplicate content types are logged, counted and dropped.
        """
        if message.header.content_type not in self._required and self._is_foreign(message):
            return None
        members: Optional[Tuple[Message, ...]]
        if self._n_required == 1:
            members = (message,) if self._complete_alone(message) else None
        else:
            members = self._add_to_element(message)
        if self._next_sweep is not None:
            self._maybe_sweep()
        if members is None:
            return None
        return self._element_message(members)
