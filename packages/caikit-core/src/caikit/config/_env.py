"""Environment overrides: ``FOO_BIZ=false`` sets ``foo.biz`` to ``False``.

Only keys that already exist are overridden (12-factor style: the defaults document every
setting). Values are parsed as YAML scalars so numbers, booleans and null keep their types.
"""
import os
import re
from typing import Any, Mapping

_SEPARATORS = re.compile(r"[.\-]")


def env_name(path: tuple[str, ...]) -> str:
    """The environment variable that overrides the key at ``path``."""
    return _SEPARATORS.sub("_", "_".join(path)).upper()


def parse_env_value(raw: str) -> Any:
    """Parse an environment value as a YAML scalar, falling back to the raw string."""
    import yaml

    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def _checked(name: str, path: tuple[str, ...], raw: str, default: Any) -> Any:
    """The parsed value of ``raw``, refused when it cannot stand in for a numeric or boolean
    default. A string default accepts anything (the seed's ``DATA=123`` makes an int), and a
    number may replace an integer default (``0.5`` for a period given as ``10``)."""
    from ._yaml_files import ConfigError

    value = parse_env_value(raw)
    key = ".".join(path)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(
                f"{name}={raw!r} sets {key}, which must be a boolean (true or false; "
                f"default {str(default).lower()})",
                name,
            )
    elif isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "an integer" if isinstance(default, int) else "a number"
            raise ConfigError(f"{name}={raw!r} sets {key}, which must be {kind} (default {default!r})", name)
    return value


def apply_env_overrides(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None, _prefix=()
) -> dict:
    """Return a copy of ``config`` with every leaf that has an environment variable replaced.

    Raises:
        ConfigError: a value cannot stand in for a numeric or boolean default; the message
            names the variable, the key, the value and what is allowed
    """
    environ = os.environ if environ is None else environ
    result = {}
    for key, value in config.items():
        path = (*_prefix, str(key))
        if isinstance(value, Mapping):
            result[key] = apply_env_overrides(value, environ, path)
            continue
        name = env_name(path)
        result[key] = _checked(name, path, environ[name], value) if name in environ else value
    return result
