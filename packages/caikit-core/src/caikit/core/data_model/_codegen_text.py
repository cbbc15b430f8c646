"""Generate ``to_text(obj)``: the JSON text of a dataobject written directly, without the
intermediate dict that ``json.dumps(obj.to_json_dict())`` needs.

The output is byte-for-byte what ``json.dumps(obj.to_json_dict())`` gives (default separators,
``ensure_ascii``), but only for *canonical* values: exact ``str``/``int``/``float``/``bool``/
``bytes``/enum member/``datetime`` instances, lists and dicts. Anything else (a subclass, an int
in a float field, NaN, ...) raises ``Fallback`` and the caller takes the dict path, which
handles (and validates) every case. Classes with ``Union`` fields always use the dict path.
"""

from __future__ import annotations

import binascii
import json
from json.encoder import encode_basestring_ascii
from typing import Any, Dict, List

from . import _types as T
from . import _values

_INF = float("inf")


class Fallback(Exception):
    """Raised by a generated ``to_text`` when a value needs the general dict path."""


def _fallback(*_: Any) -> str:
    raise Fallback()


def _b64(value: bytes) -> str:
    return binascii.b2a_base64(value, newline=False).decode("ascii")


def _dumps(value: Any) -> str:
    return json.dumps(value)


def bind_text_helpers(ns: Dict[str, Any]) -> None:
    """Names the generated ``to_text`` uses."""
    ns.update(
        {
            "_E": encode_basestring_ascii,
            "_ir": int.__repr__,
            "_fr": float.__repr__,
            "_INF": _INF,
            "_fb": _fallback,
            "_b64": _b64,
            "_b2a": binascii.b2a_base64,
            "_dumps": _dumps,
            "_dt": _values.datetime_to_json,
            "_dtcls": __import__("datetime").datetime,
        }
    )


def _elem_text(value: T.ValueType, tag: str, var: str) -> str:
    """Expression for the JSON text of one (non-None) element ``var``."""
    kind = value.kind
    if kind == T.SCALAR:
        py = value.py_type
        if py is str:
            return f"(_E({var}) if {var}.__class__ is str else _fb())"
        if py is int:
            return f"(_ir({var}) if {var}.__class__ is int else _fb())"
        if py is float:
            return f"(_fr({var}) if {var}.__class__ is float and -_INF < {var} < _INF else _fb())"
        if py is bool:
            return f"('true' if {var} is True else 'false' if {var} is False else _fb())"
        return (
            f"(f'\"{{_b2a({var}, newline=False).decode()}}\"' if {var}.__class__ is bytes "
            "else _fb())"
        )
    if kind == T.ENUM:
        if all(json.dumps(m.name) == f'"{m.name}"' for m in value.py_type):
            return f"(f'\"{{{var}._name_}}\"' if {var}.__class__ is EC{tag} else _fb())"
        return f"(ENJ{tag}[{var}._name_] if {var}.__class__ is EC{tag} else _fb())"
    if kind == T.MESSAGE:
        return f"(TX{tag}({var}) if {var}.__class__ is CC{tag} else _fb())"
    if kind == T.TIMESTAMP:
        return f"(f'\"{{_dt({var})}}\"' if {var}.__class__ is _dtcls else _fb())"
    return f"(_dumps({var}) if {var}.__class__ is dict else _fb())"


def _key_text(key: T.ValueType, var: str) -> str:
    if key.py_type is str:
        return f"(_E({var}) if {var}.__class__ is str else _fb())"
    if key.py_type is int:
        return f"('\"' + _ir({var}) + '\"' if {var}.__class__ is int else _fb())"
    return "_fb()"


def gen_to_text(plans: List[T.FieldPlan], ns: Dict[str, Any], cls: type) -> str:
    """Source of ``to_text(self)`` for a class, binding what it needs into ``ns``."""
    bind_text_helpers(ns)
    lines = ["def to_text(self):"]
    if any(p.shape == T.ONEOF for p in plans):
        # a Union writes a key that depends on the value: let json.dumps do it
        lines.append("    return _dumps(to_js(self))")
        return "\n".join(lines) + "\n"
    pieces = []
    for idx, plan in enumerate(plans):
        tag = str(idx)
        value = plan.value
        _bind_value(ns, tag, value, cls)
        lines.append(f"    v = self.{plan.name}")
        elem = _elem_text(value, tag, "x")
        if plan.shape == T.SINGLE:
            expr = _elem_text(value, tag, "v")
            lines.append(f"    t{idx} = 'null' if v is None else {expr}")
        elif plan.shape == T.LIST:
            lines.append(
                f"    t{idx} = 'null' if v is None else ('[' + ', '.join([{elem} for x in v]) + ']'"
                " if v.__class__ is list else _fb())"
            )
        else:
            key = _key_text(plan.key, "k")
            lines.append(
                f"    t{idx} = 'null' if v is None else ('{{' + ', '.join([{key} + ': ' + {elem} "
                "for k, x in v.items()]) + '}' if v.__class__ is dict else _fb())"
            )
        pieces.append((json.dumps(plan.name), f"t{idx}"))
    if not pieces:
        lines.append("    return '{}'")
        return "\n".join(lines) + "\n"
    # one f-string builds the object in a single allocation
    body = ", ".join(f"{_fstring_literal(quoted)}: {{{var}}}" for quoted, var in pieces)
    lines.append(f"    return f'{{{{{body}}}}}'")
    return "\n".join(lines) + "\n"


def _fstring_literal(text: str) -> str:
    """Escape literal text for a single-quoted f-string."""
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("{", "{{").replace("}", "}}")


def _bind_value(ns: Dict[str, Any], tag: str, value: T.ValueType, cls: type) -> None:
    if value.kind == T.ENUM:
        ns["ENJ" + tag] = {m.name: json.dumps(m.name) for m in value.py_type}
    elif value.kind == T.MESSAGE:
        if value.py_type is cls:
            ns["TX" + tag] = lambda obj: ns["to_text"](obj)
        else:
            ns["TX" + tag] = value.py_type._caikit_to_text
