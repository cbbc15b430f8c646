"""``BATCH``: hand the actor the messages of a subscription in batches of ``batch_size``.

Config (the ``grouping_config`` of a subscription)::

    batch_size: 3     # messages per batch (required, >= 1)

The output message wraps a ``GroupElement`` with the batch in arrival order; its content type
is ``BATCH.<subscription id>`` and it keeps the last message's ``data_id``. The open batch lives
in the group store under one key per subscription and changes only by compare-and-set
(``group_store.update``), so replicas of the subscription (threads, processes with a REDIS
store) fill the same batches and never lose or repeat a message.
"""
from __future__ import annotations

from typing import Any, List, Optional

from caikit_compose import Message
from caikit_compose.group_store import DELETE, FrozenState, GroupStoreBase
from caikit_compose.grouping import GroupElement, GroupingBase

__all__ = ["Batch", "BatchGrouping"]


class Batch(tuple, FrozenState):
    """The open batch: an immutable tuple of messages (so stores keep it without copying)."""

    __slots__ = ()
    codec_name = "caikit_plugin_template.Batch"

    @classmethod
    def dataobject_class(cls) -> type:
        return GroupElement

    def to_dataobject(self) -> GroupElement:
        return GroupElement(messages=list(self))

    @classmethod
    def from_dataobject(cls, obj: GroupElement) -> Batch:
        return cls(obj.messages or ())


class BatchGrouping(GroupingBase):
    """Emits one message per ``batch_size`` input messages."""

    name = "BATCH"

    def __init__(self, config: Any, subscription_id: str, group_store: GroupStoreBase, grouping_input: List[str]):
        """
        Raises:
            ValueError: ``batch_size`` is missing or not an int >= 1
        """
        super().__init__(config, subscription_id, group_store, grouping_input)
        size = (config or {}).get("batch_size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"BATCH grouping {subscription_id!r}: batch_size must be an int >= 1, got {size!r}")
        self.batch_size = size
        self._key = f"{self.name}/{subscription_id}"
        self.output_content_type = f"{self.name}.{subscription_id}"

    def add_message(self, message: Message) -> Optional[Message]:
        def transition(current):
            batch = Batch((current.state or ()) + (message,))
            if len(batch) < self.batch_size:
                return batch, None
            return DELETE, batch  # full: clear the key and emit

        full = self.group_store.update(self._key, transition)
        if full is None:
            return None
        return Message.from_data(
            GroupElement(messages=list(full)),
            data_id=full[-1].header.data_id,
            content_type=self.output_content_type,
        )

    def get_pending_messages(self) -> List[Message]:
        return list(self.group_store.get_versioned(self._key).state or ())
