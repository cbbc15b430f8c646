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


def apply_env_overrides(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None, _prefix=()
) -> dict:
    """Return a copy of ``config`` with every leaf that has an environment variable replaced."""
    environ = os.environ if environ is None else environ
    result = {}
    for key, value in config.items():
        path = _prefix + (str(key),)
        if isinstance(value, Mapping):
            result[key] = apply_env_overrides(value, environ, path)
            continue
        name = env_name(path)
        result[key] = parse_env_value(environ[name]) if name in environ else value
    return result
