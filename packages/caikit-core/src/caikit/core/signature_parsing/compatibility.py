"""Whether one type annotation fits where another is expected.

Used to check an inference method against its task: every parameter the task requires must
be *accepted* by the method (the task's type must fit the method's annotation) and the
method's return type must *fit* the task's output type.

The check is deliberately forgiving where Python typing is undecidable (type variables,
``Literal``, protocols, unresolved forward references): it only reports mismatches it can be
sure of. Streams are interchangeable: ``DataStream[T]``, ``Iterable[T]``, ``Iterator[T]`` and
``List[T]`` all fit one another when their element types fit.
"""
from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from typing import Any

__all__ = ["fits", "is_iterable_annotation", "type_name"]

_UNION_TYPES = (typing.Union, getattr(types, "UnionType", typing.Union))
_NUMERIC_PROMOTIONS = {float: (int,), complex: (int, float)}


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in _UNION_TYPES


def _origin_class(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    return origin if origin is not None else tp


def is_iterable_annotation(tp: Any) -> bool:
    """Whether ``tp`` names a stream or collection of elements (not ``str``/``bytes``/dict)."""
    origin = _origin_class(tp)
    if not inspect.isclass(origin) or issubclass(origin, (str, bytes, bytearray, collections.abc.Mapping)):
        return False
    return issubclass(origin, collections.abc.Iterable)


def _element_type(tp: Any) -> Any:
    args = typing.get_args(tp)
    return args[0] if args else Any


def fits(value_type: Any, target_type: Any) -> bool:
    """Whether a value annotated ``value_type`` may be used where ``target_type`` is expected.

    Args:
        value_type: the type of the value (the task's parameter type, or the method's return)
        target_type: the type expected (the method's parameter type, or the task's output)

    Returns:
        False only when the two are known not to fit
    """
    if value_type is target_type or value_type == target_type:
        return True
    if _undecidable(value_type) or _undecidable(target_type):
        return True
    if _is_union(value_type):
        return all(fits(member, target_type) for member in typing.get_args(value_type))
    if _is_union(target_type):
        return any(fits(value_type, member) for member in typing.get_args(target_type))
    if value_type is type(None) or target_type is type(None):
        return False
    if is_iterable_annotation(value_type) and is_iterable_annotation(target_type):
        return fits(_element_type(value_type), _element_type(target_type))
    value_class, target_class = _origin_class(value_type), _origin_class(target_type)
    if not (inspect.isclass(value_class) and inspect.isclass(target_class)):
        return True
    if value_class in _NUMERIC_PROMOTIONS.get(target_class, ()):
        return True
    try:
        if not issubclass(value_class, target_class):
            return False
    except TypeError:
        return True
    value_args, target_args = typing.get_args(value_type), typing.get_args(target_type)
    if value_args and target_args and len(value_args) == len(target_args):
        return all(fits(v, t) for v, t in zip(value_args, target_args))
    return True


def _undecidable(tp: Any) -> bool:
    if tp is Any or tp is None or tp is inspect.Parameter.empty or isinstance(tp, (str, typing.TypeVar, typing.ForwardRef)):
        return True
    origin = typing.get_origin(tp)
    return origin is typing.Literal or origin is typing.ClassVar


def type_name(tp: Any) -> str:
    """A short readable name for an annotation: ``str``, ``List[str]``, ``DataStream[Chunk]``."""
    if tp is None or tp is type(None):
        return "None"
    if isinstance(tp, str):
        return tp
    if _is_union(tp):
        return "Union[" + ", ".join(type_name(arg) for arg in typing.get_args(tp)) + "]"
    origin = typing.get_origin(tp)
    if origin is not None:
        args = typing.get_args(tp)
        name = getattr(origin, "__name__", None) or str(origin)
        if origin is list:
            name = "List"
        elif origin is dict:
            name = "Dict"
        elif origin is collections.abc.Iterable:
            name = "Iterable"
        elif origin is collections.abc.Iterator:
            name = "Iterator"
        return f"{name}[{', '.join(type_name(arg) for arg in args)}]" if args else name
    return getattr(tp, "__qualname__", None) or getattr(tp, "__name__", None) or repr(tp)
