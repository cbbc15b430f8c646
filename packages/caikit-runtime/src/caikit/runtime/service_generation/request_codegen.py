"""Compile, once per (RPC, module class), the function that turns a request message into the
keyword arguments of the model call.

The generated function reads each field directly from the protobuf message (no dataobject in
between, no loop over field descriptions), so the per-request cost is a few attribute reads::

    def read(msg):
        kw = {}
        kw['name'] = msg.name
        if msg.HasField('punctuation'):
            kw['punctuation'] = msg.punctuation
        return kw

Rules: a non-optional scalar is always passed (proto3 default when unset); an optional scalar
or a message is passed only when set; a list is passed when non-empty or when the parameter
has no default. Fields of other kinds (maps, oneofs, timestamps, JSON) go through the request
dataobject, converted once per request and only when such a field exists.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence, Set

from .field_types import FieldKind, element_type, strip_annotated

__all__ = ["compile_element_reader", "compile_kwargs_reader"]


def _value_expr(field: Any, source: str, ns: Dict[str, Any], index: int) -> str:
    """Python expression converting ``source`` (the proto value) for ``field``."""
    kind = field.kind
    tp = strip_annotated(field.field_type)
    if kind is FieldKind.SCALAR or kind is FieldKind.SCALAR_LIST:
        return source if kind is FieldKind.SCALAR else f"list({source})"
    if kind is FieldKind.ENUM:
        ns[f"E{index}"] = tp
        return f"E{index}({source})"
    if kind is FieldKind.ENUM_LIST:
        ns[f"E{index}"] = strip_annotated(element_type(tp))
        return f"[E{index}(v) for v in {source}]"
    if kind is FieldKind.MESSAGE:
        ns[f"D{index}"] = tp.from_proto
        return f"D{index}({source})"
    if kind is FieldKind.MESSAGE_LIST:
        ns[f"D{index}"] = strip_annotated(element_type(tp)).from_proto
        return f"[D{index}(v) for v in {source}]"
    raise ValueError(f"no fast path for {field!r}")


def _field_lines(field: Any, index: int, ns: Dict[str, Any], required: bool, target: str) -> List[str]:
    name = field.name
    if not name.isidentifier():
        raise ValueError(f"field name {name!r} is not an identifier")
    kind = field.kind
    if kind is FieldKind.OTHER:
        return [
            f"    v = dobj().{name}",
            "    if v is not None:",
            f"        {target}[{name!r}] = v",
        ]
    expr = _value_expr(field, f"msg.{name}", ns, index)
    if kind in (FieldKind.SCALAR_LIST, FieldKind.ENUM_LIST, FieldKind.MESSAGE_LIST):
        if required:
            return [f"    {target}[{name!r}] = {expr}"]
        return [f"    if len(msg.{name}):", f"        {target}[{name!r}] = {expr}"]
    if kind is FieldKind.MESSAGE or field.optional:
        return [f"    if msg.HasField({name!r}):", f"        {target}[{name!r}] = {expr}"]
    return [f"    {target}[{name!r}] = {expr}"]


def _compile(source: str, ns: Dict[str, Any], fn_name: str) -> Callable:
    code = compile(source, f"<caikit.runtime request reader {fn_name}>", "exec")
    exec(code, ns)
    return ns[fn_name]


def _dobj_prelude(request_class: Any, fields: Sequence[Any], ns: Dict[str, Any]) -> List[str]:
    if not any(f.kind is FieldKind.OTHER for f in fields):
        return []
    ns["REQ"] = request_class
    # converted lazily, once, only if an OTHER field is read
    return [
        "    cache = []",
        "    def dobj():",
        "        if not cache:",
        "            cache.append(REQ.from_proto(msg))",
        "        return cache[0]",
    ]


def compile_kwargs_reader(request_class: Any, fields: Sequence[Any], required: Set[str]) -> Callable[[Any], Dict[str, Any]]:
    """``f(message) -> kwargs`` for ``fields`` of ``request_class``'s message.

    Args:
        request_class: the request dataobject (for fields without a fast path)
        fields: the :class:`~.inference.RequestField` s to read
        required: names whose parameter has no default
    """
    ns: Dict[str, Any] = {}
    lines = ["def read(msg):", "    kw = {}"]
    lines += _dobj_prelude(request_class, fields, ns)
    for index, field in enumerate(fields):
        lines += _field_lines(field, index, ns, field.name in required, "kw")
    lines.append("    return kw")
    return _compile("\n".join(lines), ns, "read")


def compile_element_reader(request_class: Any, fields: Sequence[Any]) -> Callable[[Any], Any]:
    """``f(message) -> value`` of the one streamed field, or ``{name: value}`` for several
    (unset messages read as None)."""
    ns: Dict[str, Any] = {}
    if len(fields) == 1:
        field = fields[0]
        lines = ["def read(msg):"]
        lines += _dobj_prelude(request_class, fields, ns)
        if field.kind is FieldKind.OTHER:
            lines.append(f"    return dobj().{field.name}")
        elif field.kind is FieldKind.MESSAGE:
            expr = _value_expr(field, f"msg.{field.name}", ns, 0)
            lines.append(f"    return {expr} if msg.HasField({field.name!r}) else None")
        else:
            lines.append(f"    return {_value_expr(field, f'msg.{field.name}', ns, 0)}")
        return _compile("\n".join(lines), ns, "read")
    lines = ["def read(msg):", "    kw = {}"]
    lines += _dobj_prelude(request_class, fields, ns)
    for index, field in enumerate(fields):
        lines += _field_lines(field, index, ns, True, "kw")
    lines.append("    return kw")
    return _compile("\n".join(lines), ns, "read")
