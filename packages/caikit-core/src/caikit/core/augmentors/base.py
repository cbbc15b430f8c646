"""``AugmentorBase``: a seeded, type-checked data filter whose output type is its input type."""

from __future__ import annotations

import abc
import random
import sys
from typing import Any, ClassVar, Tuple, Type, Union


class AugmentorBase(abc.ABC):
    """Base class of data augmentors.

    Subclasses set ``augmentor_type`` (a type or tuple of types) and implement ``_augment``.
    Randomness should come from the ``random`` module (or numpy's global RNG): ``reset()``
    reseeds them with ``random_seed`` so an augmented stream is the same on every iteration.

    Args:
        random_seed: seed applied by ``reset()``.
        produces_none: whether ``_augment`` may return None (the item is then dropped).
    """

    augmentor_type: ClassVar[Union[Type[Any], Tuple[Type[Any], ...]]]

    def __init__(self, random_seed: int, produces_none: bool = False):
        if not isinstance(random_seed, int) or isinstance(random_seed, bool):
            raise TypeError(
                f"{type(self).__name__}: random_seed must be an int, got {random_seed!r}"
            )
        if not isinstance(produces_none, bool):
            raise TypeError(
                f"{type(self).__name__}: produces_none must be a bool, got {produces_none!r}"
            )
        if getattr(type(self), "augmentor_type", None) is None:
            raise TypeError(f"{type(self).__name__} must set the class attribute augmentor_type")
        self._random_seed = random_seed
        self.produces_none = produces_none
        self.reset()

    @property
    def random_seed(self) -> int:
        """The seed applied by ``reset()``."""
        return self._random_seed

    def reset(self) -> None:
        """Reseed the global random generators (``random`` and, if loaded, numpy)."""
        random.seed(self._random_seed)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed(self._random_seed % (2**32))

    def augment(self, obj: Any) -> Any:
        """Augment one item.

        Raises:
            TypeError: ``obj`` (or the result) is not of ``augmentor_type``, or the result is
                None although ``produces_none`` is False.
        """
        expected = self.augmentor_type
        if not isinstance(obj, expected):
            raise TypeError(
                f"{type(self).__name__}.augment: expected {_type_names(expected)}, "
                f"got {type(obj).__name__} {obj!r}"
            )
        result = self._augment(obj)
        if result is None:
            if self.produces_none:
                return None
            raise TypeError(
                f"{type(self).__name__}._augment returned None for {obj!r} but produces_none is False"
            )
        if not isinstance(result, expected):
            raise TypeError(
                f"{type(self).__name__}._augment must return {_type_names(expected)}, "
                f"got {type(result).__name__} {result!r}"
            )
        return result

    @abc.abstractmethod
    def _augment(self, obj: Any) -> Any:
        """Return the augmented version of ``obj`` (same type), or None if ``produces_none``."""


def _type_names(types: Any) -> str:
    if isinstance(types, tuple):
        return " or ".join(t.__name__ for t in types)
    return types.__name__
