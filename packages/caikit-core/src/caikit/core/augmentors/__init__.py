"""Data augmentors: seeded filters whose output has the same type as their input.

Use them with ``DataStream.augment(augmentor, augment_factor, post_augment_func=...)``.
"""

from .base import AugmentorBase
from .merged import MergedAugmentor

__all__ = ["AugmentorBase", "MergedAugmentor"]
