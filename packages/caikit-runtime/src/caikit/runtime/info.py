"""What the runtime tells about itself and its models (transport-neutral).

API (both servers):

* :func:`runtime_info` -> ``RuntimeInfoResponse`` dataobject: ``runtime_version`` from
  ``runtime.version_info.runtime_image`` and the versions of the top-level ``caikit*``
  distributions (every distribution with ``runtime.version_info.python_packages.all``).
* :func:`models_info(model_ids)` -> ``ModelInfoResponse``: every held model (or the listed
  ones; an unknown id is NOT_FOUND ``"Model <id> is not loaded"``). A model still loading has
  only ``name`` and ``loaded: false``; a failed load has ``metadata.error``.
* :func:`model_info(entry)` -> ``ModelInfo`` of one :class:`LoadedModel`.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Iterable, Optional

from .errors import CaikitRuntimeException, StatusCode

__all__ = ["model_info", "models_info", "python_packages", "runtime_info"]


@functools.lru_cache(maxsize=2)
def python_packages(all_packages: bool = False) -> Dict[str, str]:
    """``{distribution: version}`` of the caikit distributions (or of all with ``all_packages``)."""
    from importlib.metadata import distributions

    found: Dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        normalized = re.sub(r"[-.]+", "_", name).lower()
        if all_packages or normalized == "caikit" or normalized.startswith("caikit_"):
            found[normalized if not all_packages else name] = dist.version
    return dict(sorted(found.items()))


def runtime_info(runtime_config: Any = None) -> Any:
    """The ``RuntimeInfoResponse`` of this runtime."""
    from caikit.interfaces.runtime.data_model import RuntimeInfoResponse

    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    version_info = runtime_config.version_info or {}
    packages_config = version_info.get("python_packages") or {}
    return RuntimeInfoResponse(
        runtime_version=str(version_info.get("runtime_image") or ""),
        python_packages=python_packages(bool(packages_config.get("all"))),
    )


def model_info(entry: Any, size: Optional[int] = None) -> Any:
    """The ``ModelInfo`` of one held model."""
    from caikit.interfaces.runtime.data_model import ModelInfo

    if entry.loading:
        return ModelInfo(name=entry.id, loaded=False)
    metadata: Dict[str, Any] = {}
    if entry.error is not None:
        # the type too: some errors (MemoryError) have no message of their own
        message = str(entry.error)
        metadata["error"] = f"{type(entry.error).__name__}: {message}" if message else type(entry.error).__name__
    return ModelInfo(
        model_path=entry.display_path,
        name=entry.id,
        size=int(size if size is not None else entry.disk_size()),
        metadata=metadata,
        loaded=entry.loaded,
        module_id=entry.module_id or "",
        module_metadata=entry.module_metadata,
    )


def models_info(model_ids: Optional[Iterable[str]] = None, model_manager: Any = None) -> Any:
    """The ``ModelInfoResponse`` for ``model_ids`` (every held model when empty).

    Raises:
        CaikitRuntimeException: NOT_FOUND for an id that is not held
    """
    from caikit.interfaces.runtime.data_model import ModelInfoResponse

    if model_manager is None:
        from .model_management.model_manager import get_model_manager

        model_manager = get_model_manager()
    ids = [m for m in (model_ids or []) if m]
    if ids:
        entries = []
        for model_id in ids:
            entry = model_manager.get_loaded_model(model_id)
            if entry is None:
                raise CaikitRuntimeException(StatusCode.NOT_FOUND, f"Model {model_id} is not loaded")
            entries.append(entry)
    else:
        entries = model_manager.loaded_models()
    return ModelInfoResponse(models=[model_info(e, _size(model_manager, e)) for e in entries])


def _size(model_manager: Any, entry: Any) -> Optional[int]:
    if not entry.loaded:
        return None
    try:
        return model_manager.get_model_size(entry.id)
    except CaikitRuntimeException:
        return None
