"""``GROUP_STORE_FACTORY``: builds group stores by ``type`` from entry points.

Implementations are entry points of the group ``caikit_compose.group_stores``; the entry
point's name is the ``type`` in config. caikit-compose registers ``LOCAL``.
"""
from __future__ import annotations

from caikit.core.toolkit.factory import ImportableFactory

__all__ = ["GROUP_STORE_FACTORY"]

#: ``GROUP_STORE_FACTORY.construct({"type": "LOCAL"})``
GROUP_STORE_FACTORY = ImportableFactory(
    "group-store",
    entry_point_group="caikit_compose.group_stores",
    hints={"REDIS": 'pip install "caikit[compose-redis]"'},
)
