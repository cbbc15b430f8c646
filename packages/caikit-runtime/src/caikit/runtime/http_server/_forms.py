"""Form parts (``multipart/form-data``) to the JSON shape of a request (contract §3.2).

A form key names the field it sets; dots address nested fields, exactly as the keys of the
JSON body would::

    model_id=greeter   inputs=Gabe   parameters.repeat=3   parameters.sample.label=x

Every value is converted to the type of the field it lands in (the field plans of the
request's dataobject decide, as they do for JSON):

=========================  ==================================================================
field type                 part
=========================  ==================================================================
``str``                    the text (UTF-8, or the part's ``charset``)
``int`` / ``float``        decimal text (``3``, ``-1``, ``2.5``; no NaN or infinity)
``bool``                   ``true`` / ``false`` (also ``1``/``0``, ``on``/``off``,
                           ``yes``/``no``, any case)
``bytes``                  the part's raw bytes (a file part or a plain one: no base64)
``File``-like object       a file: ``data`` = its bytes, ``filename``, ``type`` = its
                           Content-Type (``application/octet-stream`` when a file part
                           has none); any object with ``data: bytes`` and ``filename: str``
``DataStreamSource``       a file (or text) holding a JSON array or JSON lines of the
                           training examples, or the source object itself as JSON
other object, ``Dict``     JSON text of the object (or set its fields with dotted keys)
enum, timestamp            the member name, RFC 3339 text
``List[T]``                repeat the key, one element per part; for elements other than
                           ``str`` / ``bytes`` / files one part may hold a JSON array
``Dict[K, V]``             ``key.<map key>`` per entry, or JSON text of the whole map
``Union``                  its member's key (``value_int``), or the field's own key with
                           JSON text (a plain string when it is not JSON)
=========================  ==================================================================

An empty part leaves its field out (as ``null`` would in JSON) unless the field is ``str``
or ``bytes``: HTML forms send untouched inputs as empty strings and an empty file input as a
file part with an empty name. A key that is not a field, a value that does not convert, or a
single-valued field given twice is a 422 naming the key. The resulting dict goes through the same validation as a JSON
body, so both kinds of request are refused and accepted alike.
"""
from __future__ import annotations

import codecs
import math
import re
from typing import Any, Dict, List, Optional, Tuple

from ._body import loads
from ._errors import ValidationError
from ._multipart import FormPart, parse_header_params

__all__ = ["ObjectForm", "PredictForm", "file_fields", "put", "stream_members"]

_TRUE = frozenset(("true", "1", "on", "yes"))
_FALSE = frozenset(("false", "0", "off", "no"))
_INT = re.compile(r"^[+-]?[0-9]+$")
_FLOAT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")

Loc = List[Any]


def _error(message: str, loc: Loc, kind: str = "value_error") -> ValidationError:
    return ValidationError(f"{'.'.join(str(p) for p in loc[1:])}: {message}", loc, kind)


# -- reading one part -----------------------------------------------------------------------


def _text(part: FormPart, loc: Loc) -> str:
    charset = "utf-8"
    if part.content_type:
        _, params = parse_header_params(part.content_type)
        charset = params.get("charset") or "utf-8"
    try:
        codecs.lookup(charset)
        return part.data.decode(charset)
    except LookupError:  # also bytes-to-bytes codecs such as zlib: not text encodings
        raise _error(f"unknown charset {charset[:40]!r}", loc, "string_unicode") from None
    except ValueError:  # UnicodeError of any codec
        raise _error(f"the value is not valid {charset[:40]} text", loc, "string_unicode") from None


def _json(part: FormPart, loc: Loc) -> Any:
    text = _text(part, loc)
    try:
        return loads(text.encode("utf-8"))
    except RecursionError:
        raise _error("the JSON value is nested too deeply", loc, "json_invalid") from None
    except ValueError as err:
        raise _error(f"expected JSON ({err})", loc, "json_invalid") from None


def _json_object(part: FormPart, loc: Loc) -> Dict[str, Any]:
    value = _json(part, loc)
    if type(value) is not dict:
        raise _error("expected a JSON object", loc, "dict_type")
    return value


# -- kinds of dataobjects ---------------------------------------------------------------------


def _plans(cls: Any) -> Dict[str, Any]:
    return getattr(cls, "_caikit_plans", None) or {}


def _is_scalar(value: Any, py_type: type) -> bool:
    return value is not None and value.kind == "scalar" and value.py_type is py_type


def file_fields(cls: Any) -> Optional[Tuple[str, ...]]:
    """The fields of a File-like dataobject (``data: bytes``, ``filename: str``, maybe
    ``type: str``) that a file part fills; None for any other class."""
    plans = _plans(cls)
    data, filename = plans.get("data"), plans.get("filename")
    if data is None or filename is None or data.shape != "single" or filename.shape != "single":
        return None
    if not (_is_scalar(data.value, bytes) and _is_scalar(filename.value, str)):
        return None
    kind = plans.get("type")
    if kind is not None and kind.shape == "single" and _is_scalar(kind.value, str):
        return ("data", "filename", "type")
    return ("data", "filename")


def stream_members(cls: Any) -> Optional[Tuple[str, List[str]]]:
    """``(field, member names)`` of a DataStreamSource's oneof holding ``jsondata``."""
    for name, plan in _plans(cls).items():
        if plan.shape == "oneof":
            members = [m.name for m in plan.members]
            if "jsondata" in members:
                return name, members
    return None


def _file_value(fields: Tuple[str, ...], part: FormPart) -> Dict[str, Any]:
    value: Dict[str, Any] = {"data": part.data, "filename": part.filename or ""}
    if "type" in fields:
        value["type"] = part.content_type or ("application/octet-stream" if part.is_file else "text/plain")
    return value


def _stream_value(cls: Any, part: FormPart, loc: Loc) -> Dict[str, Any]:
    field, members = stream_members(cls)  # type: ignore[misc]
    text = _text(part, loc).strip()
    if not text.startswith("["):
        try:
            whole = loads(text.encode("utf-8"))
        except (ValueError, RecursionError):
            whole = None
        if type(whole) is dict and whole and all(k == field or k in members for k in whole):
            return whole  # the source object itself
    if text.startswith("["):
        items = _json(part, loc)
    else:  # JSON lines
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append(loads(line.encode("utf-8")))
                except (ValueError, RecursionError):
                    raise _error(f"line {number} is not JSON: expected a JSON array or JSON lines", loc, "json_invalid") from None
    return {"jsondata": {"data": items}}


# -- converting values ------------------------------------------------------------------------


def _scalar(py_type: Any, part: FormPart, loc: Loc) -> Any:
    if py_type is bytes:
        return part.data
    text = _text(part, loc)
    if py_type is str:
        return text
    token = text.strip()
    if py_type is bool:
        lowered = token.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _error(f"expected a boolean, got {token[:40]!r}", loc, "bool_parsing")
    if py_type is int:
        if _INT.match(token) and len(token) <= 40:  # int64 and uint64 need 20 digits
            return int(token)
        raise _error(f"expected an integer, got {token[:40]!r}", loc, "int_parsing")
    if py_type is float:
        if _FLOAT.match(token) and len(token) <= 400:
            number = float(token)
            if math.isfinite(number):
                return number
        raise _error(f"expected a number, got {token[:40]!r}", loc, "float_parsing")
    return text


def _convert(value: Any, part: FormPart, loc: Loc) -> Any:
    """The JSON-form value of ``part`` for a field of value type ``value``."""
    kind = value.kind
    if kind == "scalar":
        return _scalar(value.py_type, part, loc)
    if kind == "message":
        cls = value.py_type
        fields = file_fields(cls)
        if fields is not None:
            return _file_value(fields, part)
        if stream_members(cls) is not None:
            return _stream_value(cls, part, loc)
        return _json_object(part, loc)
    if kind == "struct":
        return _json_object(part, loc)
    return _text(part, loc).strip()  # enum names, timestamps: from_dict checks them


def _json_array_allowed(value: Any, part: FormPart) -> bool:
    """Whether one part may hold a JSON array of a list's elements."""
    if value.kind == "scalar" and value.py_type in (str, bytes):
        return False
    if value.kind == "message" and file_fields(value.py_type) is not None:
        return False
    return part.data.lstrip()[:1] == b"["


def _target(cls: Any, name: str) -> Optional[Tuple[str, Any]]:
    """``(shape, plan or member value)`` of ``name`` in ``cls`` (a field or a oneof member)."""
    plans = _plans(cls)
    plan = plans.get(name)
    if plan is not None:
        return plan.shape, plan
    for plan in plans.values():
        if plan.shape == "oneof":
            for member in plan.members:
                if member.name == name:
                    return "member", member.value
    return None


def _empty(value: Any, part: FormPart) -> bool:
    """Whether ``part`` means "not given" for a field of value type ``value`` (None: a map
    or union given whole): a file input with no file chosen (empty name and content, what
    browsers send), or an empty text part for anything but text and bytes (an HTML form
    sends its untouched inputs as empty strings)."""
    if part.data:
        return False
    if part.is_file:
        return not part.filename
    return value is None or not (value.kind == "scalar" and value.py_type in (str, bytes))


def _given_twice(loc: Loc) -> ValidationError:
    return _error("given more than once (repeat a key only for list fields)", loc, "duplicate")


def put(cls: Any, obj: Dict[str, Any], segments: List[str], part: FormPart, loc: Loc) -> None:
    """Set the value ``part`` holds at ``segments`` (a dotted key) in ``obj``, the JSON
    form of a ``cls`` being built.

    Raises:
        ValidationError: 422, an unknown key, a value that does not convert, or a
            single-valued field given twice
    """
    name = segments[0]
    rest = segments[1:]
    here = [*loc, name]
    target = _target(cls, name)
    if target is None:
        raise _error("not a field of the request (extra inputs are not permitted)", here, "extra_forbidden")
    shape, plan = target
    if shape in ("single", "member"):
        value = plan.value if shape == "single" else plan
        if rest:
            if value.kind != "message" or file_fields(value.py_type) is not None:
                raise _error("has no fields to address with a dotted key", here, "extra_forbidden")
            inner = obj.get(name)
            if inner is None:
                inner = obj[name] = {}
            elif type(inner) is not dict:
                raise _given_twice(here)
            put(value.py_type, inner, rest, part, here)
            return
        if _empty(value, part):
            return
        if name in obj:
            raise _given_twice(here)
        obj[name] = _convert(value, part, here)
    elif shape == "list":
        if rest:
            raise _error("address list elements by repeating the key, not with a dotted key", here, "extra_forbidden")
        elements = obj.setdefault(name, [])
        if type(elements) is not list:
            raise _given_twice(here)
        if _empty(plan.value, part):
            return
        if _json_array_allowed(plan.value, part):
            array = _json(part, here)
            if type(array) is not list:
                raise _error("expected a JSON array", here, "list_type")
            elements.extend(array)
        else:
            elements.append(_convert(plan.value, part, [*here, len(elements)]))
    elif shape == "map":
        entries = obj.get(name)
        if not rest:
            if _empty(None, part):
                return
            if entries is not None:
                raise _given_twice(here)
            obj[name] = _json_object(part, here)
            return
        if entries is None:
            entries = obj[name] = {}
        key = ".".join(rest)  # map keys may hold dots
        if _empty(plan.value, part):
            return
        if key in entries:
            raise _given_twice([*here, key])
        entries[key] = _convert(plan.value, part, [*here, key])
    else:  # a oneof by its own field name
        if rest:
            raise _error("address a member of this union by its own key", here, "extra_forbidden")
        if _empty(None, part):
            return
        if name in obj or any(m.name in obj for m in plan.members):
            raise _given_twice(here)
        if part.is_file:
            for member in plan.members:
                if _is_scalar(member.value, bytes) or (
                    member.value.kind == "message" and file_fields(member.value.py_type) is not None
                ):
                    obj[member.name] = _convert(member.value, part, [*loc, member.name])
                    return
        text = _text(part, here)
        try:
            obj[name] = loads(text.encode("utf-8"))
        except (ValueError, RecursionError):
            obj[name] = text


def _segments(part: FormPart) -> List[str]:
    segments = part.name.split(".")
    if not all(segments):
        raise ValidationError(f"{part.name!r}: empty segment in a dotted key", ["body", part.name], "extra_forbidden")
    return segments


class ObjectForm:
    """A form whose keys are the fields of one dataobject (train and deploy requests).

    Args:
        request_type: the dataobject class the body holds
    """

    def __init__(self, request_type: Any):
        self.request_type = request_type

    def to_body(self, parts: List[FormPart]) -> Dict[str, Any]:
        """The JSON form of the request ``parts`` describe."""
        body: Dict[str, Any] = {}
        for part in parts:
            put(self.request_type, body, _segments(part), part, ["body"])
        return body


class PredictForm:
    """A form holding a predict request: ``model_id``, ``inputs[.<field>...]`` and
    ``parameters.<field>...`` (the keys of the JSON body, dotted).

    With one required input, ``inputs`` sets it and ``inputs.<name>`` does too (``name`` is
    that input's own name); when the input is an object, ``inputs.<its field>`` sets one of
    its fields.

    Args:
        shape: the route's :class:`~._requests.PredictShape`
    """

    def __init__(self, shape: Any):
        self.shape = shape
        self.request_type = shape.rpc.request
        self.single = shape.single_input
        self.inputs = frozenset(shape.input_names)
        self.parameters = frozenset(shape.parameter_names)
        single_plan = _plans(self.request_type).get(self.single) if self.single else None
        value = getattr(single_plan, "value", None)
        # an object input whose own field has the input's name: ``inputs.<name>`` is that field
        self._single_fields = (
            frozenset(_plans(value.py_type)) if value is not None and value.kind == "message" else frozenset()
        )

    def to_body(self, parts: List[FormPart]) -> Dict[str, Any]:
        """The JSON body (``{"inputs", "parameters", "model_id"}``) ``parts`` describe."""
        cls = self.request_type
        body: Dict[str, Any] = {}
        inputs: Dict[str, Any] = {}
        parameters: Dict[str, Any] = {}
        for part in parts:
            segments = _segments(part)
            head, rest = segments[0], segments[1:]
            if head == "model_id" and not rest:
                if "model_id" in body:
                    raise _given_twice(["body", "model_id"])
                body["model_id"] = _text(part, ["body", "model_id"])
            elif head == "inputs":
                self._put_input(cls, inputs, rest, part)
            elif head == "parameters" and rest:
                if rest[0] not in self.parameters:
                    raise _error("not a parameter of this task (extra inputs are not permitted)", ["body", *segments], "extra_forbidden")
                put(cls, parameters, rest, part, ["body", "parameters"])
            elif head == "parameters":
                if _empty(None, part):
                    continue
                for key, value in _json_object(part, ["body", "parameters"]).items():
                    if key in parameters:
                        raise _given_twice(["body", "parameters", key])
                    parameters[key] = value
            else:
                raise _error("not a key of the request (extra inputs are not permitted)", ["body", part.name], "extra_forbidden")
        if self.single is not None:
            if self.single in inputs:
                body["inputs"] = inputs[self.single]
        elif inputs:
            body["inputs"] = inputs
        if parameters:
            body["parameters"] = parameters
        return body

    def _put_input(self, cls: Any, inputs: Dict[str, Any], rest: List[str], part: FormPart) -> None:
        loc = ["body", "inputs"]
        single = self.single
        if single is not None:
            if rest and rest[0] == single and rest[0] not in self._single_fields:
                rest = rest[1:]  # inputs.<the input's name>
            put(cls, inputs, [single, *rest], part, loc)
            return
        if not self.inputs:
            raise _error("this task takes no inputs", loc, "extra_forbidden")
        if not rest:
            if _empty(None, part):
                return
            for key, value in _json_object(part, loc).items():
                if key in inputs:
                    raise _given_twice([*loc, key])
                inputs[key] = value
            return
        if rest[0] not in self.inputs:
            raise _error("not an input of this task (extra inputs are not permitted)", [*loc, *rest], "extra_forbidden")
        put(cls, inputs, rest, part, loc)
