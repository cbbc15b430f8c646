"""``MergedAugmentor``: several augmentors applied one after another as one augmentor."""

from __future__ import annotations

from typing import Any, List

from .base import AugmentorBase


class MergedAugmentor(AugmentorBase):
    """Apply each augmentor in order; all must share one ``augmentor_type``.

    Args:
        augmentors: the augmentors to chain.
        random_seed: seed applied by ``reset()``.
    """

    augmentor_type = object

    def __init__(self, augmentors: List[AugmentorBase], random_seed: int = 1001):
        if not augmentors or not all(isinstance(a, AugmentorBase) for a in augmentors):
            raise TypeError("MergedAugmentor: augmentors must be a non-empty list of AugmentorBase")
        types = {a.augmentor_type for a in augmentors}
        if len(types) != 1:
            raise TypeError(f"MergedAugmentor: augmentors disagree on augmentor_type: {types!r}")
        self.augmentors = list(augmentors)
        self.augmentor_type = types.pop()  # type: ignore[misc,assignment]
        super().__init__(random_seed, any(a.produces_none for a in augmentors))

    def _augment(self, obj: Any) -> Any:
        for augmentor in self.augmentors:
            obj = augmentor.augment(obj)
            if obj is None:
                return None
        return obj
