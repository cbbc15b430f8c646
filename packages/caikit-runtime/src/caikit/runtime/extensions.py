"""Third-party gRPC interceptors and HTTP middleware, named in config, found as entry points.

``runtime.grpc.interceptors`` and ``runtime.http.middleware`` are lists, outermost first, whose
items are ``"NAME"`` or ``{type: NAME, config: {...}}``. ``NAME`` is an entry point of the group
:data:`GRPC_INTERCEPTORS` or :data:`HTTP_MIDDLEWARE` (never an import path, see
``docs/plugins.md``); the object it names is called with ``config``'s keys as keyword arguments:

* gRPC: ``factory(**config)`` returns a ``grpc.ServerInterceptor`` (:func:`grpc_interceptors`);
* HTTP: ``factory(app, **config)`` returns the wrapped ASGI app (:func:`http_middleware`).

Both servers call these while they are constructed, so a configured extension that cannot be
used stops start-up with an :class:`ExtensionError` naming the item (``runtime.grpc.
interceptors[1] (AUTH)``): a name nothing installed declares (:class:`UnknownExtensionError`,
which lists what is installed and from which distribution), an item of the wrong shape, an
entry point that fails to import, a factory that raises, or a result of the wrong type. An
empty list gives ``[]`` / ``None``: the servers then take exactly their usual code path.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from caikit.core.toolkit import plugins

__all__ = [
    "GRPC_INTERCEPTORS",
    "HTTP_MIDDLEWARE",
    "Extension",
    "ExtensionError",
    "UnknownExtensionError",
    "grpc_interceptors",
    "http_middleware",
    "resolve",
]

#: Entry-point group of gRPC server interceptor factories (``runtime.grpc.interceptors``)
GRPC_INTERCEPTORS = "caikit.runtime.grpc_interceptors"
#: Entry-point group of ASGI middleware factories (``runtime.http.middleware``)
HTTP_MIDDLEWARE = "caikit.runtime.http_middleware"

_SHAPE = "each item is an entry-point name or {type: NAME, config: {...}}"


class ExtensionError(ValueError):
    """A configured interceptor or middleware cannot be used; the message names the item."""


class UnknownExtensionError(ExtensionError, LookupError):
    """No installed distribution declares the configured name in the group.

    Attributes:
        group: the entry-point group
        name: the name asked for
        available: the names installed in the group
    """

    def __init__(self, message: str, group: str, name: str, available: List[str]):
        super().__init__(message)
        self.group = group
        self.name = name
        self.available = available


@dataclasses.dataclass(frozen=True)
class Extension:
    """One configured item, its entry point loaded.

    Attributes:
        label: how messages name it, e.g. ``runtime.grpc.interceptors[0] (AUTH)``
        name: the entry-point name
        config: keyword arguments for the factory (plain dicts and lists)
        factory: the object the entry point names
    """

    label: str
    name: str
    config: Dict[str, Any]
    factory: Callable[..., Any]

    def build(self, *args: Any, check: Callable[[Any], bool], expected: str) -> Any:
        """``factory(*args, **config)``, checked with ``check``.

        Raises:
            ExtensionError: the factory raised, or ``check`` refused what it returned
        """
        try:
            result = self.factory(*args, **self.config)
        except Exception as err:
            raise ExtensionError(
                f"{self.label}: calling {_describe(self.factory)} with config {self.config!r} "
                f"failed: {type(err).__name__}: {err}"
            ) from err
        if not check(result):
            raise ExtensionError(f"{self.label}: {_describe(self.factory)} returned {result!r}, not {expected}")
        return result


def resolve(items: Any, group: str, setting: str) -> List[Extension]:
    """Check the configured ``items`` and load their entry points from ``group``.

    Args:
        items: the config list (None: empty)
        group: the entry-point group
        setting: the config key, for messages (``runtime.grpc.interceptors``)

    Raises:
        ExtensionError: see the module docstring
    """
    if items is None:
        return []
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ExtensionError(f"{setting} must be a list ({_SHAPE}), got {items!r}")
    return [_resolve_item(f"{setting}[{index}]", item, group) for index, item in enumerate(items)]


def _resolve_item(label: str, item: Any, group: str) -> Extension:
    if isinstance(item, str):
        name: Any = item
        config: Any = {}
    elif isinstance(item, Mapping):
        if "import_class" in item:
            raise ExtensionError(
                f"{label} = {_plain(item)!r}: 'import_class' is not supported; declare the class "
                f"as an entry point in the group {group!r} and name it in 'type'"
            )
        unknown = sorted(str(key) for key in item if key not in ("type", "config"))
        if unknown:
            raise ExtensionError(f"{label} = {_plain(item)!r}: unknown keys {unknown}; {_SHAPE}")
        name, config = item.get("type"), item.get("config")
    else:
        raise ExtensionError(f"{label} = {item!r}: {_SHAPE}")
    if not isinstance(name, str) or not name:
        raise ExtensionError(f"{label} = {_plain(item)!r}: 'type' must be a non-empty name; {_SHAPE}")
    if config is None:
        config = {}
    if not isinstance(config, Mapping) or not all(isinstance(k, str) and k.isidentifier() for k in config):
        raise ExtensionError(
            f"{label} ({name}): 'config' must be a mapping of keyword-argument names to values, got {_plain(config)!r}"
        )
    labelled = f"{label} ({name})"
    factory = _load(labelled, group, name)
    if not callable(factory):
        raise ExtensionError(f"{labelled}: the entry point names {factory!r}, which is not callable")
    return Extension(labelled, name, _plain(config), factory)


def _load(label: str, group: str, name: str) -> Any:
    installed = plugins.plugins(group)
    if name not in installed:
        listing = ", ".join(
            f"{key} (entry point of {', '.join(p.distribution for p in claimants)})"
            for key, claimants in sorted(installed.items())
        )
        raise UnknownExtensionError(
            f"{label}: no {group!r} entry point named {name!r}. Installed: {listing or 'none'}. "
            f"Install a distribution that declares it in the entry-point group {group!r}.",
            group,
            name,
            sorted(installed),
        )
    try:
        return plugins.load(group, name)
    except Exception as err:  # duplicate claimants, a failed import, an error in the module
        raise ExtensionError(f"{label}: {err}") from err


def _plain(value: Any) -> Any:
    """``value`` with config mappings and lists turned into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _describe(factory: Any) -> str:
    module = getattr(factory, "__module__", None)
    name = getattr(factory, "__qualname__", None)
    return f"{module}:{name}" if module and name else repr(factory)


# -- the two kinds ------------------------------------------------------------------------------


def grpc_interceptors(items: Any) -> List[Any]:
    """The ``grpc.ServerInterceptor`` objects of ``runtime.grpc.interceptors``, outermost first.

    Raises:
        ExtensionError: see the module docstring
    """
    extensions = resolve(items, GRPC_INTERCEPTORS, "runtime.grpc.interceptors")
    if not extensions:
        return []
    import grpc

    def is_interceptor(value: Any) -> bool:
        return isinstance(value, grpc.ServerInterceptor)

    expected = "a grpc.ServerInterceptor (grpc.aio interceptors do not fit the runtime's server)"
    return [extension.build(check=is_interceptor, expected=expected) for extension in extensions]


def http_middleware(items: Any) -> Optional[Callable[[Any], Any]]:
    """A function wrapping an ASGI app in the middleware of ``runtime.http.middleware`` (the
    first item outermost), or None when the list is empty. The entry points are loaded now;
    the factories are called when the function is.

    Raises:
        ExtensionError: see the module docstring (the function raises it for the factories)
    """
    extensions = resolve(items, HTTP_MIDDLEWARE, "runtime.http.middleware")
    if not extensions:
        return None

    def wrap(app: Any) -> Any:
        for extension in reversed(extensions):
            app = extension.build(app, check=callable, expected="an ASGI application (a callable)")
        return app

    return wrap
