"""Read and write a model's JSON artifact next to its ``config.yml``."""
import json
import os
from typing import Any


def write_json(directory: str, name: str, content: Any) -> None:
    """Write ``content`` as ``<directory>/<name>`` (UTF-8 JSON, stable key order)."""
    with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
        json.dump(content, handle, ensure_ascii=False, sort_keys=True)


def read_json(path: str) -> Any:
    """Read a JSON artifact.

    Raises:
        FileNotFoundError: the artifact is missing (the model directory is incomplete).
        ValueError: the artifact is not valid JSON.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as err:
            raise ValueError(f"model artifact {path!r} is not valid JSON: {err}") from err
