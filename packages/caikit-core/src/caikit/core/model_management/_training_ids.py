"""Training ids that tell which trainer owns them.

An id made by a trainer is ``<hex of the trainer's instance name>:<uuid4>``, so the model
manager can route ``get_model_future(id)`` to the right trainer without a shared table. An id
supplied by the caller (``external_training_id``) is used unchanged.
"""
from __future__ import annotations

import uuid
from typing import Optional

__all__ = ["ID_DELIMITER", "make_training_id", "path_part", "trainer_name_from_id"]

ID_DELIMITER = ":"


def make_training_id(trainer_name: str, external_id: Optional[str] = None) -> str:
    """A new training id owned by ``trainer_name`` (or ``external_id`` if given).

    Raises:
        ValueError: ``external_id`` is empty or not a string
    """
    if external_id is not None:
        if not isinstance(external_id, str) or not external_id.strip():
            raise ValueError(f"external_training_id must be a non-empty string, got {external_id!r}")
        return external_id
    return f"{trainer_name.encode('utf-8').hex()}{ID_DELIMITER}{uuid.uuid4()}"


def trainer_name_from_id(training_id: str) -> Optional[str]:
    """The trainer instance name encoded in ``training_id``, or None if it has none."""
    if not isinstance(training_id, str) or ID_DELIMITER not in training_id:
        return None
    prefix = training_id.split(ID_DELIMITER, 1)[0]
    try:
        return bytes.fromhex(prefix).decode("utf-8")
    except ValueError:
        return None


def path_part(training_id: str) -> str:
    """The part of an id used in save paths (the uuid; no delimiter in directory names)."""
    return training_id.rsplit(ID_DELIMITER, 1)[-1]
