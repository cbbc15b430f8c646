"""Reading YAML config files with errors that point at the file and line."""
import os
from typing import Any


class ConfigError(ValueError):
    """A configuration source could not be read or parsed.

    Attributes:
        path: the file that failed
        line: 1-based line of the problem, when the parser knows it
    """

    def __init__(self, message: str, path: str, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


def load_yaml_file(path: str) -> dict:
    """Load a YAML mapping from ``path``.

    Raises:
        ConfigError: the file is missing, unreadable, malformed, or not a mapping
    """
    import yaml  # only paid for when a file is actually read

    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read()
    except OSError as err:
        raise ConfigError(f"cannot read config file {path!r}: {err.strerror}", path) from err
    try:
        loaded: Any = yaml.safe_load(content)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(
            f"malformed YAML in config file {path!r} at line {line}: {err.problem or err}",
            path,
            line,
        ) from err
    except yaml.YAMLError as err:
        raise ConfigError(f"malformed YAML in config file {path!r}: {err}", path) from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"config file {path!r} must hold a mapping at the top level, "
            f"not {type(loaded).__name__}",
            path,
            1,
        )
    return loaded


def resolve_path(path: str, relative_to: str | None = None) -> str:
    """Expand ``~`` and, for relative paths, anchor them at ``relative_to`` if given."""
    path = os.path.expanduser(path)
    if relative_to and not os.path.isabs(path):
        return os.path.join(relative_to, path)
    return path
