"""``MQ_FACTORY``: builds message queues by ``type`` from entry points.

Implementations are entry points of the group ``caikit_compose.message_queues``; the entry
point's name is the ``type`` in config. caikit-compose registers ``LOCAL``.
"""
from __future__ import annotations

from caikit.core.toolkit.factory import ImportableFactory

__all__ = ["MQ_FACTORY"]

#: ``MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 0}})``
MQ_FACTORY = ImportableFactory(
    "message-queue",
    entry_point_group="caikit_compose.message_queues",
    hints={"REDIS": 'pip install "caikit[compose-redis]"'},
)
