"""``FrozenState``: immutable grouping states that stores may keep without copying.

A store must hold states by value. Copying (or serializing) on every transition is what made
the reference slow, and sharing live mutable objects is what made it wrong. Groupings therefore
keep their state in immutable values: every transition builds a new ``FrozenState``, so an
in-process store can keep the very object it was given, and a reader can never disturb it.

For external stores each ``FrozenState`` subclass converts to and from a ``@dataobject``
(:meth:`FrozenState.to_dataobject` / :meth:`FrozenState.from_dataobject`), which
:mod:`caikit_compose.group_store.codec` turns into bytes. Subclasses are registered by
``codec_name`` when they are defined, so decoding never imports anything.

Messages inside a state are shared, not copied: once published, a message is treated as
immutable.
"""
from __future__ import annotations

from typing import Any, ClassVar, Dict

__all__ = ["FrozenState", "frozen_state_class"]

_REGISTRY: Dict[str, type] = {}


class FrozenState:
    """Base class of immutable grouping states (see the module docstring).

    Subclasses must never change after construction (use tuples, frozensets, ``__slots__``
    and no setters) and implement :meth:`dataobject_class`, :meth:`to_dataobject` and
    :meth:`from_dataobject`.
    """

    __slots__ = ()

    #: The name the codec writes; defaults to ``<module>.<qualname>``.
    codec_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("codec_name"):
            cls.codec_name = f"{cls.__module__}.{cls.__qualname__}"
        _REGISTRY[cls.codec_name] = cls

    @classmethod
    def dataobject_class(cls) -> type:
        """The ``@dataobject`` class :meth:`to_dataobject` produces."""
        raise NotImplementedError(f"{cls.__name__} cannot be serialized")

    def to_dataobject(self) -> Any:
        """This state as a ``@dataobject`` (for serialization)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be serialized")

    @classmethod
    def from_dataobject(cls, obj: Any) -> FrozenState:
        """Rebuild the state from what :meth:`to_dataobject` produced."""
        raise NotImplementedError(f"{cls.__name__} cannot be deserialized")


def frozen_state_class(codec_name: str) -> type:
    """The registered ``FrozenState`` subclass called ``codec_name``.

    Raises:
        LookupError: no such class is defined in this process
    """
    try:
        return _REGISTRY[codec_name]
    except KeyError:
        raise LookupError(
            f"No FrozenState class named {codec_name!r} is defined in this process; import "
            f"the grouping that uses it first"
        ) from None
