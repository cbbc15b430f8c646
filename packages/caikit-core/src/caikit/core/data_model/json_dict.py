"""``JsonDict``: a field type for free-form JSON objects (``google.protobuf.Struct`` on the wire)."""

from typing import Any, Dict

#: Annotate a field as ``JsonDict`` to carry an arbitrary JSON object. Numbers come back from
#: protobuf as floats (Struct stores doubles).
JsonDict = Dict[str, Any]

__all__ = ["JsonDict"]
