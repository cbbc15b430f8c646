"""The small support-ticket dataset shipped in ``examples/data``.

``support_tickets.classification.jsonl`` holds ``ClassificationTrainRecord`` JSON (one label per
ticket: billing, shipping, technical, account); ``support_tickets.entities.jsonl`` holds the
same tickets as ``EntityTrainRecord`` JSON (PRODUCT, CITY and DATE spans). Both are JSON lines,
a format the runtime's file data-stream source also reads.
"""
import json
import os
import pathlib
from typing import List, Optional, Union

from caikit.interfaces.nlp.data_model import ClassificationTrainRecord

from .data_model import EntityTrainRecord

CLASSIFICATION_FILE = "support_tickets.classification.jsonl"
ENTITIES_FILE = "support_tickets.entities.jsonl"

#: overrides where the dataset is looked for
DATA_DIR_ENV = "TEXT_LIB_DATA_DIR"


def data_dir(path: Optional[Union[str, os.PathLike]] = None) -> pathlib.Path:
    """The dataset directory: ``path``, else ``$TEXT_LIB_DATA_DIR``, else ``examples/data`` of
    the source checkout this package is installed from.

    Raises:
        FileNotFoundError: the directory does not hold the dataset files.
    """
    candidate = path or os.environ.get(DATA_DIR_ENV)
    if candidate is None:
        # src/text_lib/datasets.py -> examples/text_lib/src/text_lib -> examples/data
        candidate = pathlib.Path(__file__).resolve().parents[3] / "data"
    directory = pathlib.Path(candidate)
    if not (directory / CLASSIFICATION_FILE).is_file():
        raise FileNotFoundError(
            f"no text_lib dataset in {str(directory)!r} (looked for {CLASSIFICATION_FILE!r}); "
            f"pass data_dir or set {DATA_DIR_ENV}"
        )
    return directory


def _read_jsonl(path: pathlib.Path) -> List[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{str(path)!r} line {number}: invalid JSON: {err}") from err
    return rows


def classification_records(
    path: Optional[Union[str, os.PathLike]] = None,
) -> List[ClassificationTrainRecord]:
    """The labelled tickets for the text classifier."""
    file = data_dir(path) / CLASSIFICATION_FILE
    return [ClassificationTrainRecord.from_json(row) for row in _read_jsonl(file)]


def entity_records(path: Optional[Union[str, os.PathLike]] = None) -> List[EntityTrainRecord]:
    """The tickets with their labelled spans, for the lexicon tagger."""
    file = data_dir(path) / ENTITIES_FILE
    return [EntityTrainRecord.from_json(row) for row in _read_jsonl(file)]


def texts(path: Optional[Union[str, os.PathLike]] = None) -> List[str]:
    """Just the ticket texts, for the embedder."""
    return [record.text for record in classification_records(path)]


__all__ = [
    "CLASSIFICATION_FILE",
    "DATA_DIR_ENV",
    "ENTITIES_FILE",
    "classification_records",
    "data_dir",
    "entity_records",
    "texts",
]
