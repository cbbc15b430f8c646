"""Group stores: versioned, shareable state of groupings."""
from .base import ABSENT, DELETE, KEEP, TOMBSTONE, GroupStoreBase, Versioned
from .factory import GROUP_STORE_FACTORY
from .state import FrozenState

__all__ = [
    "ABSENT",
    "DELETE",
    "GROUP_STORE_FACTORY",
    "KEEP",
    "TOMBSTONE",
    "FrozenState",
    "GroupStoreBase",
    "Versioned",
]
