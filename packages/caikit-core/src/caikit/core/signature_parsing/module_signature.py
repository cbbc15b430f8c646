"""The introspected signature of one method of a module class.

:class:`CaikitMethodSignature` is what the runtime and caikit-compose read to build request
messages and call a module. It is computed once (when ``@module`` decorates the class) and
never on the inference path.

Example::

    sig = CaikitMethodSignature(GreeterModule, "run")
    sig.method_name          # "run"
    sig.parameters           # {"name": str}            (signature order)
    sig.default_parameters   # {}                       (name -> default, optional params only)
    sig.return_type          # Greeting
    sig.qualified_name       # "greeter_lib.GreeterModule.run"
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Optional

from ._hints import docstring_arg_types, infer_type_from_default, resolve_hints

__all__ = ["CaikitMethodSignature"]


class CaikitMethodSignature:
    """Parameters and return type of ``module_class.method_name``.

    Parameter types come from, in order of preference: the annotation (strings and forward
    references resolved, including the class's own name), the docstring's ``Args:`` section,
    and the type of the default value. ``self``/``cls``, ``*args``, ``**kwargs`` and the
    ``context_arg`` (filled in by the runtime with the request context) are left out.

    Attributes:
        module: the module class
        method_name: the method's name
        method: the function object (unbound)
        parameters: ``Dict[str, type]`` of the typed parameters, in signature order
        default_parameters: ``Dict[str, Any]`` of the parameters that have defaults
        untyped_parameters: names of parameters no type could be found for
        required_parameters: names of parameters without a default, in order
        return_type: the return annotation, or None if there is none
        context_arg: the name of the context parameter, or None
        qualified_name: ``<module>.<Class>.<method>``
        accepts_kwargs: whether the method takes ``**kwargs``
    """

    def __init__(self, module_class: type, method_name: str, context_arg: Optional[str] = None):
        """
        Args:
            module_class: the class to inspect
            method_name: the method to inspect
            context_arg: the name of a parameter that receives the request context

        Raises:
            AttributeError: the class has no attribute ``method_name``
            TypeError: the attribute is not callable
            ValueError: ``context_arg`` is not a parameter of the method
        """
        self._module = module_class
        self._method_name = method_name
        self._context_arg = context_arg
        function, skip_first = _unbound_function(module_class, method_name)
        self._method = function

        hints = resolve_hints(function, module_class)
        doc_types: Optional[Dict[str, Any]] = None
        signature = inspect.signature(function, follow_wrapped=True)
        params = list(signature.parameters.values())
        if skip_first and params and params[0].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            params = params[1:]

        self._parameters: Dict[str, Any] = {}
        self._defaults: Dict[str, Any] = {}
        self._untyped: List[str] = []
        self._required: List[str] = []
        self._accepts_kwargs = False
        seen_context = False
        for param in params:
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                self._accepts_kwargs = True
                continue
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                continue
            if context_arg is not None and param.name == context_arg:
                seen_context = True
                continue
            if param.default is not inspect.Parameter.empty:
                self._defaults[param.name] = param.default
            else:
                self._required.append(param.name)
            annotation = hints.get(param.name)
            if annotation is None:
                if doc_types is None:
                    doc_types = docstring_arg_types(function, module_class)
                annotation = doc_types.get(param.name)
            if annotation is None and param.default is not inspect.Parameter.empty:
                annotation = infer_type_from_default(param.default)
            if annotation is None:
                self._untyped.append(param.name)
            else:
                self._parameters[param.name] = annotation
        if context_arg is not None and not seen_context:
            raise ValueError(
                f"context_arg {context_arg!r} is not a parameter of "
                f"{module_class.__qualname__}.{method_name}{signature}"
            )
        self._return_type = hints.get("return")

    # -- read-only view ---------------------------------------------------------------------

    @property
    def module(self) -> type:
        """The module class."""
        return self._module

    @property
    def method_name(self) -> str:
        """The method's name."""
        return self._method_name

    @property
    def method(self) -> Callable:
        """The underlying (unbound) function."""
        return self._method

    @property
    def parameters(self) -> Dict[str, Any]:
        """Typed parameters in signature order (a copy)."""
        return dict(self._parameters)

    @property
    def default_parameters(self) -> Dict[str, Any]:
        """Defaults of the optional parameters (a copy)."""
        return dict(self._defaults)

    @property
    def required_parameters(self) -> List[str]:
        """Parameters without a default, in order."""
        return list(self._required)

    @property
    def untyped_parameters(self) -> List[str]:
        """Parameters for which no type could be determined."""
        return list(self._untyped)

    @property
    def return_type(self) -> Optional[Any]:
        """The return annotation, or None."""
        return self._return_type

    @property
    def context_arg(self) -> Optional[str]:
        """The parameter that receives the request context, if any."""
        return self._context_arg

    @property
    def accepts_kwargs(self) -> bool:
        """Whether the method takes ``**kwargs``."""
        return self._accepts_kwargs

    @property
    def qualified_name(self) -> str:
        """``<python module>.<Class qualname>.<method>``."""
        return f"{self._module.__module__}.{self._module.__qualname__}.{self._method_name}"

    def __repr__(self) -> str:
        params = ", ".join(f"{name}: {_short(tp)}" for name, tp in self._parameters.items())
        return f"<CaikitMethodSignature {self.qualified_name}({params}) -> {_short(self._return_type)}>"


def _short(tp: Any) -> str:
    from .compatibility import type_name

    return type_name(tp)


def _unbound_function(cls: type, name: str):
    """The plain function behind ``cls.<name>`` and whether its first parameter is bound."""
    try:
        raw = inspect.getattr_static(cls, name)
    except AttributeError:
        raise AttributeError(f"{cls.__qualname__} has no method {name!r}") from None
    if isinstance(raw, staticmethod):
        return raw.__func__, False
    if isinstance(raw, classmethod):
        return raw.__func__, True
    if inspect.isfunction(raw):
        return raw, True
    bound = getattr(cls, name)
    if inspect.ismethod(bound):
        return bound.__func__, True
    if callable(bound):
        return bound, False
    raise TypeError(f"{cls.__qualname__}.{name} is not a method: {raw!r}")
