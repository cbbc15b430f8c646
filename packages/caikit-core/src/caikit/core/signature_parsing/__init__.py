"""Introspection of module method signatures and annotation compatibility.

Public API:

* :class:`CaikitMethodSignature` -- parameters, defaults and return type of one method.
* :func:`fits` -- whether one annotation fits where another is expected.
* :func:`is_iterable_annotation` -- whether an annotation is a stream/collection.
* :func:`type_name` -- readable name of an annotation, for messages.
"""
from .compatibility import fits, is_iterable_annotation, type_name
from .module_signature import CaikitMethodSignature

__all__ = ["CaikitMethodSignature", "fits", "is_iterable_annotation", "type_name"]
