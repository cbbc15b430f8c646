"""Bytes for grouping states, for group stores that live outside the process.

``encode(state) -> bytes`` and ``decode(data) -> state`` handle:

* :class:`~caikit_compose.group_store.state.FrozenState` values (the built-in groupings' states),
  through their ``@dataobject`` form;
* any ``@dataobject`` (the states of groupings written against the 0.1.0 API);
* :data:`~caikit_compose.group_store.base.TOMBSTONE` (the one byte ``T``);
* ``None``.

The type is written by name and resolved through registries of classes already defined in the
process; decoding never imports a module named in the data.
"""
from __future__ import annotations

from typing import Any

from caikit.core.data_model import DataBase

from .base import TOMBSTONE
from .state import FrozenState, frozen_state_class

__all__ = ["decode", "encode"]

_FROZEN = b"F"
_DATAOBJECT = b"D"
_NONE = b"N"
_TOMBSTONE = b"T"
_SEP = b"\n"


def encode(state: Any) -> bytes:
    """Serialize a grouping state.

    Raises:
        TypeError: the state is neither a FrozenState, a data object, TOMBSTONE nor None
    """
    if state is None:
        return _NONE
    if state is TOMBSTONE:
        return _TOMBSTONE
    if isinstance(state, FrozenState):
        obj = state.to_dataobject()
        return _FROZEN + state.codec_name.encode() + _SEP + obj.to_binary_buffer()
    if isinstance(state, DataBase):
        return _DATAOBJECT + state.full_name.encode() + _SEP + state.to_binary_buffer()
    raise TypeError(
        f"Group store states must be FrozenState values or @dataobjects, got {state!r}"
    )


def decode(data: bytes) -> Any:
    """Rebuild a state written by :func:`encode`.

    Raises:
        ValueError: the bytes are not an encoded state
        LookupError: the named type is not defined in this process
    """
    data = bytes(data)
    kind = data[:1]
    if kind == _NONE:
        return None
    if data == _TOMBSTONE:
        return TOMBSTONE
    name, sep, payload = data[1:].partition(_SEP)
    if not sep or kind not in (_FROZEN, _DATAOBJECT):
        raise ValueError(f"Not an encoded group state: {data[:40]!r}")
    if kind == _FROZEN:
        cls: Any = frozen_state_class(name.decode())
        state_cls: Any = cls.dataobject_class()
        return cls.from_dataobject(state_cls.from_binary_buffer(payload))
    obj_cls: Any = DataBase.get_class_for_name(name.decode())
    if getattr(obj_cls, "full_name", None) != name.decode():
        raise LookupError(f"No data object registered under the full name {name.decode()!r}")
    return obj_cls.from_binary_buffer(payload)
