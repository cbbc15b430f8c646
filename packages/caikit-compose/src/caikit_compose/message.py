"""``Message`` and ``MessageHeader``: the currency of the message queue.

A :class:`Message` wraps any ``@dataobject`` (its *body*) together with a :class:`MessageHeader`
and free-form JSON ``metadata``. Both are data objects themselves, so a message round-trips
exactly through protobuf, binary and JSON.

Three things keep messages cheap and safe:

* **Lazy body.** :meth:`Message.from_data` keeps the wrapped object and serializes it only when
  someone needs bytes (``to_proto``, ``to_binary_buffer``, ``to_json``, ``body``). In-process
  delivery never pays for serialization.
* **Lazy identifiers.** ``data_id`` and ``uid`` default to fresh UUIDs that are generated the
  first time they are read (thread-safely: every reader sees the same value), and
  ``creation_time`` is taken as an integer clock reading and turned into a ``datetime`` on demand.
* **No imports from messages.** The body's type is resolved by its full protobuf name through
  the registry of data objects (``DataBase.get_class_for_name``). A message can only name a type
  that the receiving process already defines; it can never make the receiver import a module.
"""
from __future__ import annotations

import datetime
import random
import time
import uuid
from typing import Any, Callable, ClassVar, Dict, Optional

from caikit.core.data_model import DataBase, DataObjectBase, JsonDict, dataobject

from .errors import UnknownBodyTypeError

__all__ = [
    "PACKAGE",
    "TYPE_URL_PREFIX",
    "Message",
    "MessageBody",
    "MessageHeader",
    "metadata_if_any",
    "path_getter",
    "resolve_body_class",
]

#: The protobuf package of the compose data objects.
PACKAGE = "caikit_data_model.compose"

#: Prefix of the body's ``type_url`` (the standard ``google.protobuf.Any`` convention).
TYPE_URL_PREFIX = "type.googleapis.com/"

# Messages written by caikit-compose 0.1.0 name their body "<module>|<ClassName>".
_LEGACY_CLASS_DELIM = "|"

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_time_ns = time.time_ns
_random_bits = random.getrandbits
# Version-4 UUID layout: clear the version and variant bits, then set version 4, variant 10.
_UUID4_CLEAR = 0xFFFFFFFFFFFF0FFF3FFFFFFFFFFFFFFF
_UUID4_SET = 0x00000000000040008000000000000000


def _new_id() -> str:
    """A random version-4 UUID string.

    ``uuid.uuid4()`` reads the OS entropy source on every call, which costs several
    microseconds; identifiers of messages need uniqueness, not unpredictability, so they are
    drawn from ``random`` (reseeded in forked children by Python itself).
    """
    h = "%032x" % (_random_bits(128) & _UUID4_CLEAR | _UUID4_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _as_utc(value: Any) -> datetime.datetime:
    """Normalize a creation time to a timezone-aware UTC ``datetime``.

    Naive datetimes are taken as local time (as ``datetime.now()`` produces them), strings as
    ISO 8601 / RFC 3339 and numbers as POSIX seconds.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is _UTC:
            return value
        return value.astimezone(_UTC)
    if isinstance(value, str):
        return _as_utc(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, _UTC)
    raise TypeError(
        f"creation_time must be a datetime, an ISO 8601 string or POSIX seconds, got {value!r}"
    )


@dataobject(package=PACKAGE)
class MessageHeader(DataObjectBase):
    """Identity and provenance of one message.

    Attributes:
        data_id: application identifier of one piece of information; derived data keeps the
            ``data_id`` of its source. The default match key of groupings. Defaults to a UUID.
        content_type: the type of the body, normally the wrapped object's ``full_name`` and the
            name of the topic the message is published on.
        creation_time: when the message was created, timezone-aware UTC.
        roi_id: region-of-interest sub-identifier (default 0).
        uid: unique identity of this message (default: a UUID); never set by applications.
    """

    data_id: str
    content_type: str
    creation_time: datetime.datetime
    roi_id: int
    uid: str

    def __init__(
        self,
        data_id: Optional[str] = None,
        content_type: Optional[str] = None,
        creation_time: Any = None,
        roi_id: int = 0,
        uid: Optional[str] = None,
    ):
        """Build a header; every argument is optional (see the class docstring for defaults).

        Raises:
            TypeError: ``creation_time`` is not a datetime, ISO string or number
        """
        d = self.__dict__
        if data_id is not None:
            d["data_id"] = data_id
        d["content_type"] = content_type
        if creation_time is None:
            d["_ctime_ns"] = _time_ns()
        else:
            d["creation_time"] = _as_utc(creation_time)
        d["roi_id"] = roi_id
        if uid is not None:
            d["uid"] = uid

    def __getattr__(self, name: str) -> Any:
        # Only reached when the attribute is not in the instance dict: the lazily defaulted
        # fields. setdefault makes concurrent first reads agree on one value.
        d = self.__dict__
        if name == "data_id" or name == "uid":
            return d.setdefault(name, _new_id())
        if name == "creation_time":
            nanos = d.get("_ctime_ns")
            if nanos is None:
                raise AttributeError(name)
            value = _EPOCH + datetime.timedelta(microseconds=nanos // 1000)
            return d.setdefault(name, value)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (
            self.data_id == other.data_id
            and self.content_type == other.content_type
            and self.creation_time == other.creation_time
            and self.roi_id == other.roi_id
            and self.uid == other.uid
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"MessageHeader(data_id={self.data_id!r}, content_type={self.content_type!r}, "
            f"creation_time={self.creation_time!r}, roi_id={self.roi_id!r}, uid={self.uid!r})"
        )

    @property
    def hash_id(self) -> int:
        """An integer identity derived from ``uid`` (the UUID's integer value)."""
        try:
            return uuid.UUID(hex=self.uid).int
        except (TypeError, ValueError):
            return hash(self.uid)

    @property
    def sort_key(self) -> int:
        """Creation time in integer microseconds, for cheap chronological sorting."""
        nanos = self.__dict__.get("_ctime_ns")
        if nanos is not None:
            return nanos // 1000
        delta = self.creation_time - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds

    def copy(self) -> MessageHeader:
        """An independent copy with every lazily defaulted field fixed to its value."""
        new = MessageHeader.__new__(MessageHeader)
        new.__dict__.update(
            data_id=self.data_id,
            content_type=self.content_type,
            creation_time=self.creation_time,
            roi_id=self.roi_id,
            uid=self.uid,
        )
        return new


# The lazily defaulted fields must not be found on the class, or __getattr__ would never run.
for _lazy in ("data_id", "creation_time", "uid"):
    if _lazy in MessageHeader.__dict__:
        delattr(MessageHeader, _lazy)


@dataobject(package=PACKAGE)
class MessageBody(DataObjectBase):
    """A serialized data object, wire-compatible with ``google.protobuf.Any``.

    Attributes:
        type_url: ``type.googleapis.com/<full name of the data object>``
        value: the object's protobuf bytes
    """

    type_url: str
    value: bytes


def body_type_name(type_url: str) -> str:
    """The data object name a ``type_url`` refers to (the part after the last ``/``)."""
    return type_url.rsplit("/", 1)[-1]


def resolve_body_class(type_url: str) -> Any:
    """The registered data object class a body's ``type_url`` names. Never imports anything.

    Accepts ``type.googleapis.com/<full name>``, a bare full name, and the 0.1.0 form
    ``<module>|<ClassName>`` (matched against the classes already registered).

    Raises:
        UnknownBodyTypeError: no registered data object has that name
    """
    name = body_type_name(type_url)
    if _LEGACY_CLASS_DELIM in name:
        module, _, qualname = name.rpartition(_LEGACY_CLASS_DELIM)
        for cls in DataBase.iter_registered_classes():
            if getattr(cls, "__module__", None) == module and cls.__qualname__ == qualname:
                return cls
        raise UnknownBodyTypeError(type_url, name)
    try:
        cls = DataBase.get_class_for_name(name)
    except LookupError:
        raise UnknownBodyTypeError(type_url, name) from None
    # The registry also answers bare names; a body must name its type in full.
    if getattr(cls, "full_name", None) != name or not hasattr(cls, "from_binary_buffer"):
        raise UnknownBodyTypeError(type_url, name)
    return cls


def _json_copy(value: Any) -> Any:
    """Deep copy of JSON-like data (dicts and lists are copied, everything else shared)."""
    if value.__class__ is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if value.__class__ is list:
        return [_json_copy(v) for v in value]
    return value


@dataobject(package=PACKAGE)
class Message(DataObjectBase):
    """One message on the queue: a header, a wrapped data object and metadata.

    Build messages with :meth:`from_data`; read the wrapped object with :attr:`unwrapped`.

    Attributes:
        header: the :class:`MessageHeader`
        body: the wrapped object in serialized form (a :class:`MessageBody`, wire-compatible
            with ``google.protobuf.Any``); produced on first access
        metadata: free-form JSON object travelling with the message
        publish_sequence: the message's number in its topic's publish sequence (1, 2, 3, ...,
            dense per topic), set by the message queue on every message it delivers; None for
            a message that did not come from a queue. Delivery information, not content: it
            is not part of the serialized message (``to_proto``, ``to_binary_buffer``, JSON),
            and ``copy()`` keeps it. COUNT_GROUPING windows are defined over it.
    """

    header: MessageHeader
    body: MessageBody
    metadata: JsonDict

    #: Set per instance by message queues (see the class docstring).
    publish_sequence: ClassVar[Optional[int]] = None

    def __init__(
        self,
        header: Optional[MessageHeader] = None,
        body: Any = None,
        metadata: Optional[Dict[str, Any]] = None,
    ):
        """Build a message from its parts (most code wants :meth:`from_data` instead).

        Args:
            header: the header (``None`` leaves it unset)
            body: a :class:`MessageBody` or any object with ``type_url`` and ``value``
                (e.g. a ``google.protobuf.Any``)
            metadata: JSON object (default ``{}``)
        """
        d = self.__dict__
        d["header"] = header
        if body is not None and body.__class__ is not MessageBody:
            body = MessageBody(type_url=body.type_url, value=bytes(body.value))
        d["body"] = body
        d["metadata"] = {} if metadata is None else metadata

    @classmethod
    def from_data(
        cls,
        wrapped_object: DataBase,
        metadata: Optional[Dict[str, Any]] = None,
        **header_kwargs: Any,
    ) -> Message:
        """Wrap a data object in a new message.

        Args:
            wrapped_object: the data object to carry
            metadata: JSON object travelling with the message (default ``{}``)
            **header_kwargs: header fields (``data_id``, ``content_type``, ``creation_time``,
                ``roi_id``, ``uid``); ``content_type`` defaults to ``wrapped_object.full_name``

        Returns:
            The message. Its body is serialized only when needed.

        Raises:
            TypeError: ``wrapped_object`` is not a data object
        """
        full_name = getattr(wrapped_object, "full_name", None)
        if full_name is None or not isinstance(wrapped_object, DataBase):
            raise TypeError(
                f"Message.from_data needs a @dataobject instance, got {wrapped_object!r}"
            )
        if header_kwargs:
            if header_kwargs.get("content_type") is None:
                header_kwargs["content_type"] = full_name
            header = MessageHeader(**header_kwargs)
        else:
            header = _new_header()
            hd = header.__dict__
            hd["content_type"] = full_name
            hd["_ctime_ns"] = _time_ns()
            hd["roi_id"] = 0
        msg = _new_message(cls)
        d = msg.__dict__
        d["header"] = header
        if metadata is not None:
            d["metadata"] = metadata
        d["_unwrapped"] = wrapped_object
        return msg

    def __getattr__(self, name: str) -> Any:
        # Only reached for the lazily created fields: the metadata (an empty dict for a message
        # built by from_data, converted on first read for a parsed one) and the body
        # (serialized on first read for from_data, copied out of the parsed protobuf).
        if name == "metadata":
            d = self.__dict__
            parsed = d.get("_metadata_pb")
            return d.setdefault("metadata", {} if parsed is None else struct_to_dict(parsed))
        if name == "body":
            d = self.__dict__
            parsed = d.get("_body_pb")
            if parsed is not None:
                return d.setdefault("body", body_from_proto(parsed))
            wrapped = self.unwrapped if _has_body(self) else None
            if wrapped is None:
                return d.setdefault("body", None)
            body = MessageBody(
                type_url=TYPE_URL_PREFIX + wrapped.full_name, value=wrapped.to_binary_buffer()
            )
            return d.setdefault("body", body)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def unwrapped(self) -> Any:
        """The wrapped data object (decoded from the body on first access, then cached).

        Raises:
            UnknownBodyTypeError: the body names a data object type not defined in this process
        """
        obj = self.__dict__.get("_unwrapped")
        if obj is None:
            return self._resolve_unwrapped()
        return obj

    def _resolve_unwrapped(self) -> Any:
        d = self.__dict__
        factory = d.get("_unwrapped_factory")
        if factory is not None:
            obj = factory(d["_factory_arg"])
        else:
            body = d.get("body")
            if body is None:
                body = d.get("_body_pb")
                if body is None:
                    return None
            obj = resolve_body_class(body.type_url).from_binary_buffer(body.value)
        return d.setdefault("_unwrapped", obj)

    @property
    def body_type(self) -> Optional[str]:
        """The full name of the wrapped object's type, without decoding anything."""
        d = self.__dict__
        obj = d.get("_unwrapped")
        if obj is not None:
            return obj.full_name
        if "_body_type" in d:
            return d["_body_type"]
        body = d.get("body")
        if body is None:
            body = d.get("_body_pb")
        return None if body is None else body_type_name(body.type_url)

    def nested_get(self, key: str, default: Any = None) -> Any:
        """Read a value by dotted path.

        ``header.…``, ``body.…`` and ``metadata.…`` start from the message; ``unwrapped.…``
        (or any other first part) starts from the wrapped object. Dicts are read by key,
        objects by attribute. A missing part anywhere gives ``default``; nothing is raised.

        Args:
            key: e.g. ``"header.data_id"``, ``"metadata.user.id"``, ``"values"``
            default: returned when the path does not resolve

        Raises:
            ValueError: ``key`` is empty
        """
        return path_getter(key, default)(self)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-serializable dict: the body's bytes as base64 text and the creation time as
        RFC 3339 text (``from_dict`` and ``from_json`` read it back exactly)."""
        return self.to_json_dict()

    def copy(self) -> Message:
        """An independent copy for another consumer.

        The header is copied with its lazy fields fixed, metadata is deep-copied, and the body
        travels as bytes, so the copy decodes its own instance of the wrapped object.
        """
        new = _new_message(type(self))
        d = new.__dict__
        header = self.header
        d["header"] = header.copy() if header is not None else None
        d["body"] = self.body
        d["metadata"] = _json_copy(self.metadata)
        sequence = self.__dict__.get("publish_sequence")
        if sequence is not None:
            d["publish_sequence"] = sequence
        return new

    @classmethod
    def from_proto(cls, proto: Any) -> Message:
        """Build a message from its protobuf, cheaply.

        Header fields are read directly, and the body and a non-empty metadata ``Struct`` are
        kept as parsed protobuf until first read (``body``, ``unwrapped``, ``metadata``), so
        a message that is only routed never converts them. The result equals the generic
        data-object conversion's.

        Raises:
            TypeError: ``proto`` is not a ``caikit_data_model.compose.Message``
        """
        return message_from_proto(cls, proto)

    @classmethod
    def from_binary_buffer(cls, buf: Any) -> Message:
        """Parse protobuf bytes (see :meth:`from_proto`).

        Raises:
            TypeError: ``buf`` is not bytes-like
            ValueError: the bytes are not a protobuf ``Message``
        """
        return message_from_binary_buffer(cls, buf)

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        if self.header != other.header or self.metadata != other.metadata:
            return False
        if not (_has_body(self) and _has_body(other)):
            return not _has_body(self) and not _has_body(other)
        try:
            return self.unwrapped == other.unwrapped
        except LookupError:
            return self.body == other.body

    def __hash__(self) -> int:
        header = self.header
        return 0 if header is None else header.hash_id

    def __repr__(self) -> str:
        return (
            f"Message(header={self.header!r}, body=<{self.body_type}>, "
            f"metadata={self.metadata!r})"
        )


# ``body`` and ``metadata`` are produced lazily by __getattr__, so they must not be found on
# the class.
for _lazy in ("body", "metadata"):
    if _lazy in Message.__dict__:
        delattr(Message, _lazy)

_new_message = object.__new__


def _has_body(msg: Message) -> bool:
    d = msg.__dict__
    return (
        "_unwrapped" in d
        or "_unwrapped_factory" in d
        or d.get("body") is not None
        or "_body_pb" in d
    )


def renumbered(msg: Message) -> Message:
    """A shallow copy of ``msg`` (sharing header, body and metadata) without its
    ``publish_sequence``, for a queue that delivers the same object a second time."""
    new = _new_message(type(msg))
    d = new.__dict__
    d.update(msg.__dict__)
    d.pop("publish_sequence", None)
    return new


def metadata_if_any(msg: Message) -> Optional[Dict[str, Any]]:
    """The message's metadata, or None when it has none, without allocating an empty dict
    for a message that never had one (for hot paths that only act on non-empty metadata)."""
    d = msg.__dict__
    metadata = d.get("metadata")
    if metadata is None and "_metadata_pb" in d:
        return msg.metadata
    return metadata


def deferred_message(
    factory: Callable[[Any], Any],
    factory_arg: Any,
    body_type: str,
    metadata: Optional[Dict[str, Any]],
    content_type: str,
    data_id: str,
    roi_id: int = 0,
) -> Message:
    """A message whose wrapped object is built by ``factory(factory_arg)`` on first use.

    Groupings emit groups whose body many consumers never look at as a whole (or look at once);
    building it on demand keeps emission to a handful of allocations. ``factory`` must be pure
    and cheap to call twice (two threads may race on the first access; one result wins).

    Args:
        factory: builds the wrapped data object from ``factory_arg``
        factory_arg: what the body is built from
        body_type: the full name of the object ``factory`` builds
        metadata: the message metadata (None: empty)
        content_type, data_id, roi_id: header fields (creation time is now)
    """
    header = _new_header()
    hd = header.__dict__
    hd["data_id"] = data_id
    hd["content_type"] = content_type
    hd["_ctime_ns"] = _time_ns()
    hd["roi_id"] = roi_id
    msg = _new_message(Message)
    d = msg.__dict__
    d["header"] = header
    if metadata:
        d["metadata"] = metadata
    d["_unwrapped_factory"] = factory
    d["_factory_arg"] = factory_arg
    d["_body_type"] = body_type
    return msg


def _new_header() -> MessageHeader:
    return object.__new__(MessageHeader)


_PATH_CACHE: Dict[tuple, Callable[[Message], Any]] = {}
_MESSAGE_ROOTS = ("header", "body", "metadata")


def path_getter(key: str, default: Any = None) -> Callable[[Message], Any]:
    """A compiled, reusable reader for :meth:`Message.nested_get` paths.

    Groupings read match keys on every message; compiling the path once saves the string
    splitting and branching per call.

    Raises:
        ValueError: ``key`` is empty (or not a string)
    """
    if not isinstance(key, str) or not key or not all(key.split(".")):
        raise ValueError(f"nested_get needs a non-empty dotted path, got {key!r}")
    cache_key = (key, default) if _hashable(default) else None
    if cache_key is not None:
        cached = _PATH_CACHE.get(cache_key)
        if cached is not None:
            return cached
    parts = key.split(".")
    root = parts[0]
    if root == "header" and len(parts) == 2:
        attr = parts[1]

        def getter(msg: Message) -> Any:
            header = msg.header
            value = getattr(header, attr, None) if header is not None else None
            return default if value is None else value

    elif root == "metadata" and len(parts) == 2:
        field = parts[1]

        def getter(msg: Message) -> Any:
            value = msg.metadata.get(field)
            return default if value is None else value

    else:
        if root in _MESSAGE_ROOTS:
            rest = parts[1:]

            def start(msg: Message) -> Any:
                return getattr(msg, root)

        else:
            rest = parts[1:] if root == "unwrapped" else parts

            def start(msg: Message) -> Any:
                return msg.unwrapped

        def getter(msg: Message) -> Any:
            value = start(msg)
            for part in rest:
                if value is None:
                    return default
                if isinstance(value, dict):
                    value = value.get(part)
                else:
                    value = getattr(value, part, None)
            return default if value is None else value

    if cache_key is not None and len(_PATH_CACHE) < 4096:
        _PATH_CACHE[cache_key] = getter
    return getter


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# The protobuf fast path needs the classes above (and they need it), hence the late import.
from ._message_wire import (  # noqa: E402  pylint: disable=wrong-import-position
    body_from_proto,
    message_from_binary_buffer,
    message_from_proto,
    struct_to_dict,
)
