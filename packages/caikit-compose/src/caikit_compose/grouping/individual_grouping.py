"""``INDIVIDUAL``: no grouping; every message goes straight to the actor."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..message import Message
from .base import GroupingBase

__all__ = ["IndividualGrouping"]


class IndividualGrouping(GroupingBase):
    """Passes each message through unchanged (whatever its content type). Keeps no state."""

    name = "INDIVIDUAL"

    def __init__(self, *args: Any, **kwargs: Any):
        """Accepts (and ignores) the usual grouping arguments; ``IndividualGrouping()`` works."""
        names = ("config", "subscription_id", "group_store", "grouping_input")
        values: Dict[str, Any] = dict(zip(names, args))
        values.update((k, v) for k, v in kwargs.items() if k in names)
        super().__init__(
            values.get("config"),
            values.get("subscription_id", ""),
            values.get("group_store"),  # type: ignore[arg-type]
            values.get("grouping_input") or [],
        )

    def add_message(self, message: Message) -> Optional[Message]:
        """Return ``message`` itself."""
        return message

    def get_pending_messages(self) -> List[Message]:
        """Always empty."""
        return []
