"""Resolve the type annotations of a function, tolerating what cannot be resolved.

``typing.get_type_hints`` fails as a whole when one annotation cannot be evaluated (a name
only defined later, a class local to a function). Here each annotation is resolved on its own
and one that cannot be stays as its string, so the rest of a signature is still usable.

Forward references to the class being decorated (``def train(cls) -> "NameFinder"``) resolve
because the owner class is put in the local namespace: at decoration time its name is not yet
bound in the defining module.
"""
from __future__ import annotations

import ast
import builtins
import enum
import re
import types
import typing
from typing import Any, Callable, Dict, List, Optional

__all__ = ["docstring_arg_types", "infer_type_from_default", "resolve_hints"]


def _namespaces(fn: Callable, owner: Optional[type]) -> tuple:
    target = inspect_unwrap(fn)
    globalns = dict(getattr(target, "__globals__", {}) or {})
    localns: Dict[str, Any] = {}
    if owner is not None:
        # Names defined in the class body (nested dataobjects) and the class itself.
        for klass in reversed(owner.__mro__):
            localns.update(vars(klass))
        localns[owner.__name__] = owner
    return globalns, localns


def inspect_unwrap(fn: Callable) -> Callable:
    """The innermost function behind decorators that set ``__wrapped__``."""
    seen = set()
    while hasattr(fn, "__wrapped__") and id(fn) not in seen:
        seen.add(id(fn))
        fn = fn.__wrapped__
    return fn


def resolve_hints(fn: Callable, owner: Optional[type] = None) -> Dict[str, Any]:
    """The annotations of ``fn`` with strings and forward references evaluated.

    Args:
        fn: a plain function (unwrap classmethod/staticmethod first)
        owner: the class ``fn`` belongs to, whose name and body are visible to annotations

    Returns:
        name -> type (``"return"`` for the return annotation); an annotation that cannot be
        evaluated is kept as its source string
    """
    raw = dict(getattr(inspect_unwrap(fn), "__annotations__", {}) or {})
    if not raw:
        return {}
    globalns, localns = _namespaces(fn, owner)
    try:
        holder = types.SimpleNamespace(__annotations__=raw)
        return typing.get_type_hints(holder, globalns, localns)
    except Exception:
        pass
    resolved = {}
    for name, annotation in raw.items():
        try:
            holder = types.SimpleNamespace(__annotations__={name: annotation})
            resolved[name] = typing.get_type_hints(holder, globalns, localns)[name]
        except Exception:
            resolved[name] = _unquoted(getattr(annotation, "__forward_arg__", annotation))
    return resolved


def _unquoted(annotation: Any) -> Any:
    # With `from __future__ import annotations`, `x: "Name"` is stored as "'Name'".
    while isinstance(annotation, str):
        try:
            inner = ast.literal_eval(annotation)
        except (ValueError, SyntaxError):
            break
        if not isinstance(inner, str):
            break
        annotation = inner
    return annotation


def infer_type_from_default(default: Any) -> Optional[Any]:
    """A type for an unannotated parameter, guessed from its default value.

    Scalars give their type, an enum member its enum, a non-empty list/tuple/set of one
    element type ``T`` gives ``List[T]``, any other object its class. ``None``, empty
    collections and mixed collections give ``None`` (unknown).
    """
    if default is None:
        return None
    if isinstance(default, enum.Enum):
        return type(default)
    if isinstance(default, (list, tuple, set, frozenset)):
        element_types = {type(value) for value in default}
        if len(element_types) == 1:
            return List[element_types.pop()]  # type: ignore[misc]
        return None
    if isinstance(default, dict):
        return None
    return type(default)


# "name (type): text" or "name:  type" at the start of a line in an Args/Parameters section
_ARG_LINE = re.compile(r"^\s*\*{0,2}(?P<name>[A-Za-z_]\w*)\s*(?:\((?P<paren>[^)]*)\)\s*:|:\s+(?P<bare>[\w.\[\], ]+?)\s*$)")
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params)\s*:\s*$")
_OTHER_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")


def docstring_arg_types(fn: Callable, owner: Optional[type] = None) -> Dict[str, Any]:
    """Types named for parameters in the ``Args:`` section of ``fn``'s docstring.

    Understands ``name (type): description`` (Google style) and ``name:  type`` followed by an
    indented description (caikit style). Types that do not evaluate are skipped.
    """
    doc = getattr(inspect_unwrap(fn), "__doc__", None)
    if not doc:
        return {}
    globalns, localns = _namespaces(fn, owner)
    builtin_types = {k: v for k, v in vars(builtins).items() if isinstance(v, type)}
    namespace = {**builtin_types, **vars(typing), **globalns, **localns}
    found: Dict[str, Any] = {}
    in_args = False
    arg_indent: Optional[int] = None
    for line in doc.expandtabs().splitlines():
        if _SECTION.match(line):
            in_args, arg_indent = True, None
            continue
        if not in_args or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if _OTHER_SECTION.match(line) and (arg_indent is None or indent < arg_indent):
            in_args = False
            continue
        if arg_indent is None:
            arg_indent = indent
        if indent != arg_indent:
            continue
        match = _ARG_LINE.match(line)
        if not match:
            continue
        text = (match.group("paren") or match.group("bare") or "").strip()
        text = re.sub(r",\s*optional$", "", text).strip()
        if not text:
            continue
        try:
            value = eval(text, {"__builtins__": {}}, namespace)
        except Exception:
            continue
        if isinstance(value, type) or typing.get_origin(value) is not None:
            found[match.group("name")] = value
    return found
