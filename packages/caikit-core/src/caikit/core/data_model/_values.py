"""Per-value converters used by the generated code (checks, base64, enums, timestamps, structs).

Generated converters inline the common case (``v.__class__ is str``) and only call into these
helpers for the uncommon one, so these may be thorough rather than fast.
"""

from __future__ import annotations

import binascii
import datetime
import enum
import math
import re
from typing import Any, Dict, Optional

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)


def _got(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


# -- scalars -----------------------------------------------------------------------------------


def check_str(value: Any) -> Optional[str]:
    """Accept ``str`` (or a subclass) and None."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"expected str, got {_got(value)}")


def check_int(value: Any) -> Optional[int]:
    """Accept ints (not bools), integral floats and base-10 integer strings (proto JSON int64)."""
    if value is None or value.__class__ is int:
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected int, got {_got(value)}")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            raise ValueError(f"expected int, got {_got(value)}") from None
    if hasattr(value, "__index__") and not isinstance(value, float):
        return value.__index__()
    raise TypeError(f"expected int, got {_got(value)}")


# proto integer types (FieldDescriptorProto.Type numbers) -> (lowest, highest) value
INT_RANGES = {
    3: (-(2**63), 2**63 - 1),  # int64
    4: (0, 2**64 - 1),  # uint64
    5: (-(2**31), 2**31 - 1),  # int32
    13: (0, 2**32 - 1),  # uint32
}
_INT_NAMES = {3: "int64", 4: "uint64", 5: "int32", 13: "uint32"}


def int_in(value: Any, proto_type: int = 3) -> Optional[int]:
    """``check_int``, then refuse a value outside the range of the field's proto type."""
    number = check_int(value)
    if number is None:
        return None
    low, high = INT_RANGES[proto_type]
    if not low <= number <= high:
        raise ValueError(
            f"{number} is outside the range of {_INT_NAMES[proto_type]} ([{low}, {high}])"
        )
    return number


def not_null(value: Any) -> Any:
    """Refuse None as an element of a list or map (or as a map key)."""
    if value is None:
        raise TypeError("null is not allowed as an element of a list or map")
    return value


_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def check_float(value: Any) -> Optional[float]:
    """Accept floats, ints (not bools) and the proto JSON words NaN / Infinity / -Infinity."""
    if value is None or value.__class__ is float:
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected float, got {_got(value)}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value in _FLOAT_WORDS:
            return _FLOAT_WORDS[value]
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"expected float, got {_got(value)}") from None
    if hasattr(value, "__float__"):
        return float(value)
    raise TypeError(f"expected float, got {_got(value)}")


def check_bool(value: Any) -> Optional[bool]:
    """Accept only real booleans (and None)."""
    if value is None or value is True or value is False:
        return value
    if hasattr(value, "dtype") and isinstance(value.__bool__(), bool):  # numpy bools
        return bool(value)
    raise TypeError(f"expected bool, got {_got(value)}")


def check_bytes(value: Any) -> Optional[bytes]:
    """Accept bytes-like values (and None) for a bytes field on the Python side."""
    if value is None or value.__class__ is bytes:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"expected bytes, got {_got(value)}")


def bytes_to_json(value: Any) -> Optional[str]:
    """bytes -> standard base64 text, as protobuf's JSON mapping does."""
    if value is None:
        return None
    if value.__class__ is not bytes:
        value = check_bytes(value)
    return binascii.b2a_base64(value, newline=False).decode("ascii")


def bytes_from_json(value: Any) -> Optional[bytes]:
    """base64 text (standard or URL-safe, padding optional) or bytes -> bytes."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("-", "+").replace("_", "/")
        text += "=" * (-len(text) % 4)
        try:
            return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)  # type: ignore[call-arg]
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise ValueError(f"expected base64 text, got {_got(value)}") from None
    return check_bytes(value)


# -- enums -------------------------------------------------------------------------------------


class EnumByNumber(dict):
    """``number -> member`` with a ValueError (not KeyError) for unknown numbers."""

    def __init__(self, enum_cls: Any, placeholder: bool):
        super().__init__((m.value, m) for m in reversed(list(enum_cls)))
        if placeholder:
            self[0] = None
        self.enum_cls = enum_cls

    def __missing__(self, key):
        raise ValueError(f"{key!r} is not a valid {self.enum_cls.__name__} value")


def enum_to_number(enum_cls: Any, value: Any) -> int:
    """Member, member name or number -> proto enum number (validated)."""
    if isinstance(value, enum_cls):
        return value.value
    member = enum_in(enum_cls, value)
    return 0 if member is None else member.value  # None: the PLACEHOLDER_UNSET of the proto


def enum_in(enum_cls: Any, value: Any) -> Optional[enum.Enum]:
    """Member, member name or number -> member; ValueError/TypeError otherwise."""
    if value is None or isinstance(value, enum_cls):
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected {enum_cls.__name__}, got {_got(value)}")
    if isinstance(value, str):
        member = enum_cls.__members__.get(value)
        if member is None:
            if value == "PLACEHOLDER_UNSET" and 0 not in [m.value for m in enum_cls]:
                return None
            raise ValueError(f"{value!r} is not a valid {enum_cls.__name__} name")
        return member
    if isinstance(value, int):
        if value == 0 and 0 not in [m.value for m in enum_cls]:
            return None
        try:
            return enum_cls(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid {enum_cls.__name__} value") from None
    if isinstance(value, enum.Enum):
        member = enum_cls.__members__.get(value.name)
        if member is not None:
            return member
    raise TypeError(f"expected {enum_cls.__name__}, got {_got(value)}")


def enum_to_json(enum_cls: Any, value: Any) -> Optional[str]:
    """Member (or name/number) -> member name."""
    if value is None:
        return None
    if value.__class__ is enum_cls:
        return value.name
    member = enum_in(enum_cls, value)
    return None if member is None else member.name


# -- timestamps --------------------------------------------------------------------------------


def datetime_in(value: Any) -> Optional[datetime.datetime]:
    """datetime or RFC 3339 text -> datetime (text always yields an aware UTC datetime)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        return parse_rfc3339(value)
    raise TypeError(f"expected datetime, got {_got(value)}")


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:\d{2})?$"
)


def parse_rfc3339(text: str) -> datetime.datetime:
    """Parse protobuf-JSON style timestamps (``2024-01-02T03:04:05.123456Z``) to aware UTC."""
    match = _RFC3339.match(text.strip())
    if not match:
        raise ValueError(f"expected an RFC 3339 timestamp, got {text!r}")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    micro = int((frac or "0").ljust(9, "0")[:6])
    if zone in (None, "Z", "z"):
        tz = _UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = datetime.timezone(
            sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        )
    try:
        dt = datetime.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError as err:
        raise ValueError(f"invalid timestamp {text!r}: {err}") from None
    return dt.astimezone(_UTC)


def datetime_to_json(value: Any) -> Optional[str]:
    """datetime -> ``YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z`` in UTC (naive means UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"expected datetime, got {_got(value)}")
    if value.tzinfo is not None:
        value = value.astimezone(_UTC)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    micro = value.microsecond
    if micro:
        text += f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"
    return text + "Z"


def fill_timestamp(value: Any, msg: Any) -> None:
    """Write a datetime into a google.protobuf.Timestamp message."""
    if not isinstance(value, datetime.datetime):
        value = datetime_in(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    delta = value - _EPOCH
    seconds = delta.days * 86400 + delta.seconds
    msg.seconds = seconds
    msg.nanos = delta.microseconds * 1000


def timestamp_out(msg: Any) -> datetime.datetime:
    """google.protobuf.Timestamp -> aware UTC datetime."""
    try:
        return _EPOCH + datetime.timedelta(seconds=msg.seconds, microseconds=msg.nanos // 1000)
    except OverflowError:
        raise ValueError(f"timestamp {msg.seconds}s is outside the range of datetime") from None


# -- JSON structs ------------------------------------------------------------------------------


def struct_in(value: Any) -> Optional[Dict[str, Any]]:
    """Accept a JSON-like dict for a JsonDict field."""
    if value is None or value.__class__ is dict:
        return value
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f"expected dict, got {_got(value)}")


def fill_struct(value: Any, msg: Any) -> None:
    """Write a JSON-like dict into a google.protobuf.Struct message."""
    if not isinstance(value, dict):
        raise TypeError(f"expected dict, got {_got(value)}")
    msg.SetInParent()
    msg.update(value)


def _value_out(value_msg: Any) -> Any:
    kind = value_msg.WhichOneof("kind")
    if kind == "struct_value":
        return struct_out(value_msg.struct_value)
    if kind == "list_value":
        return [_value_out(v) for v in value_msg.list_value.values]
    if kind == "number_value":
        number = value_msg.number_value
        # caikit 0.29.1 gives integral numbers back as ints
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return value_msg.string_value
    if kind == "bool_value":
        return value_msg.bool_value
    return None


def struct_out(msg: Any) -> Dict[str, Any]:
    """google.protobuf.Struct -> dict (numbers come back as floats, as protobuf stores them)."""
    return {key: _value_out(val) for key, val in msg.fields.items()}
