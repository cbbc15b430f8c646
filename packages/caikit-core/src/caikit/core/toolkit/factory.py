"""Factories that build named, configurable implementations.

A factory maps a type name (the ``type:`` of a config blob) to a class. Classes are either
registered in-process with :meth:`Factory.register`, or, for an :class:`ImportableFactory`,
declared by installed distributions as entry points in the factory's group::

    [project.entry-points."caikit.model_finders"]
    MYFINDER = "my_pkg.finders:MyFinder"

so that ``{"type": "MYFINDER", "config": {...}}`` builds it. Nothing is ever configured by an
import string.
"""
from __future__ import annotations

import abc
import threading
from typing import Any, ClassVar, Mapping

from . import plugins

__all__ = ["Factory", "FactoryConstructible", "ImportableFactory", "UnknownTypeError"]


class FactoryConstructible(abc.ABC):
    """Base for classes a :class:`Factory` can build.

    Subclasses set the class attribute ``name`` (the config ``type``) and accept
    ``(config, instance_name)`` in ``__init__``; ``config`` is an ``aconfig.Config`` in which a
    missing key reads as ``None``.
    """

    name: ClassVar[str] = ""

    @abc.abstractmethod
    def __init__(self, config: Any, instance_name: str):
        """Build the instance from its config section."""


class UnknownTypeError(ValueError, LookupError):
    """A factory was asked for a type it cannot build."""

    def __init__(self, message: str, factory: str, type_name: Any, available: list[str]):
        super().__init__(message)
        self.factory = factory
        self.type_name = type_name
        self.available = available


class Factory:
    """Builds instances of registered :class:`FactoryConstructible` classes by type name."""

    def __init__(self, name: str):
        self.name = name
        self._registered: dict[str, type] = {}
        self._lock = threading.Lock()

    def register(self, constructible: type) -> type:
        """Register ``constructible`` under its ``name``; returns it, so it works as a decorator.

        Raises:
            TypeError: the class has no string ``name``
            ValueError: a different class is already registered under that name
        """
        type_name = getattr(constructible, "name", None)
        if not isinstance(type_name, str) or not type_name:
            raise TypeError(
                f"{constructible!r} needs a non-empty string class attribute 'name' to be "
                f"registered with the {self.name!r} factory"
            )
        with self._lock:
            current = self._registered.get(type_name)
            if current is not None and not _same_class(current, constructible):
                raise ValueError(
                    f"The {self.name!r} factory already has {current.__module__}."
                    f"{current.__qualname__} registered as {type_name!r}; cannot also "
                    f"register {constructible.__module__}.{constructible.__qualname__}"
                )
            self._registered[type_name] = constructible
        return constructible

    def registered_types(self) -> list[str]:
        """Names registered in-process."""
        return sorted(self._registered)

    def available_types(self) -> dict[str, str]:
        """Every type name this factory can build, with where it comes from."""
        return {name: f"registered in {cls.__module__}" for name, cls in self._registered.items()}

    def get_class(self, type_name: Any) -> Any:
        """The class for ``type_name``.

        Raises:
            UnknownTypeError: nothing provides ``type_name``
        """
        cls = self._registered.get(type_name)
        if cls is None:
            raise self._unknown(type_name)
        return cls

    def construct(self, instance_config: Mapping[str, Any], instance_name: str | None = None):
        """Build an instance from ``{"type": ..., "config": {...}}``.

        Args:
            instance_config: the config blob; ``config`` may be omitted
            instance_name: name given to the instance; defaults to the type name

        Raises:
            TypeError: ``instance_config`` is not a mapping
            ValueError: ``import_class`` was given (use an entry point instead)
            UnknownTypeError: nothing provides the requested type
        """
        if not isinstance(instance_config, Mapping):
            raise TypeError(
                f"The {self.name!r} factory needs a mapping with 'type' and 'config', "
                f"got {instance_config!r}"
            )
        if instance_config.get("import_class"):
            raise ValueError(
                f"'import_class' ({instance_config['import_class']!r}) is not supported: "
                f"implementations are plugins. {self._how_to_provide()}"
            )
        type_name = instance_config.get("type")
        cls = self.get_class(type_name)
        return cls(_as_config(instance_config.get("config")), instance_name or cls.name)

    def _how_to_provide(self) -> str:
        return f"Register the class with {self.name!r} factory's register()."

    def _unknown(self, type_name: Any) -> UnknownTypeError:
        available = self.available_types()
        listing = ", ".join(f"{name} ({origin})" for name, origin in sorted(available.items()))
        message = (
            f"The {self.name!r} factory has no type {type_name!r}. "
            f"Available: {listing or 'none'}. {self._how_to_provide()}"
        )
        return UnknownTypeError(message, self.name, type_name, sorted(available))


class ImportableFactory(Factory):
    """A :class:`Factory` that also builds classes that installed distributions declare as
    entry points in ``entry_point_group`` (default ``caikit.factories.<name>``)."""

    def __init__(self, name: str, entry_point_group: str | None = None, hints: Mapping[str, str] | None = None):
        """
        Args:
            name: the factory's name, used in messages
            entry_point_group: the entry-point group holding implementations
            hints: type name -> what to install to get it, added to unknown-type errors
        """
        super().__init__(name)
        self.entry_point_group = entry_point_group or f"caikit.factories.{name}"
        self._hints = dict(hints or {})

    def available_types(self) -> dict[str, str]:
        available = {
            name: ", ".join(f"entry point of {p.distribution}" for p in claimants)
            for name, claimants in plugins.plugins(self.entry_point_group).items()
        }
        available.update(super().available_types())
        return available

    def get_class(self, type_name: Any) -> Any:
        cls = self._registered.get(type_name)
        if cls is not None:
            return cls
        if not isinstance(type_name, str) or type_name not in plugins.plugins(self.entry_point_group):
            raise self._unknown(type_name)
        cls = plugins.load(self.entry_point_group, type_name)
        if not (isinstance(cls, type) and issubclass(cls, FactoryConstructible)):
            raise TypeError(
                f"Entry point {type_name!r} of group {self.entry_point_group!r} must name a "
                f"FactoryConstructible class, got {cls!r}"
            )
        return cls

    def _how_to_provide(self) -> str:
        return (
            f"Install a distribution that declares it in the entry-point group "
            f"{self.entry_point_group!r}, or register() the class."
        )

    def _unknown(self, type_name: Any) -> UnknownTypeError:
        error = super()._unknown(type_name)
        hint = self._hints.get(type_name) if isinstance(type_name, str) else None
        if hint:
            error.args = (f"{error.args[0]} {hint}",)
        return error


def _same_class(a: type, b: type) -> bool:
    # A module imported twice (e.g. as __main__ and by name) redefines the same class.
    return a is b or (a.__module__ == b.__module__ and a.__qualname__ == b.__qualname__)


def _as_config(config: Any):
    import aconfig

    if config is None:
        config = {}
    if isinstance(config, aconfig.AttributeAccessDict):
        return config
    if not isinstance(config, Mapping):
        raise TypeError(f"A factory 'config' must be a mapping, got {config!r}")
    return aconfig.Config(dict(config), override_env_vars=False)
