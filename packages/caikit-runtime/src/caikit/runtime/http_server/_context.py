"""What every handler of one server shares, built once when the server starts."""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Optional, Tuple

from caikit.runtime.errors import CaikitRuntimeException, StatusCode

from ._calls import CallRunner
from ._multipart import FormLimits

__all__ = ["HandlerContext", "status_code_name"]

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "RESOURCE_EXHAUSTED",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def status_code_name(status: int) -> str:
    """The status-code name recorded in metrics for an HTTP status."""
    if status < 400:
        return "OK"
    return _STATUS_NAMES.get(status, "INTERNAL")


@dataclasses.dataclass
class HandlerContext:
    """Shared state of the handlers.

    Attributes:
        model_manager: the runtime's model manager
        runner: places and runs synchronous calls
        max_body_bytes: request body limit (0: none)
        metrics: the runtime's metrics (``started()``, ``observe(...)``)
        form_limits: limits of ``multipart/form-data`` bodies (default: the body limit and
            :class:`~._multipart.FormLimits`' defaults)
    """

    model_manager: Any
    runner: CallRunner
    max_body_bytes: int
    metrics: Any
    form_limits: Optional[FormLimits] = None

    def __post_init__(self) -> None:
        if self.form_limits is None:
            self.form_limits = FormLimits(max_body_bytes=self.max_body_bytes)
        self.get_loaded_model: Callable[[str], Any] = self.model_manager.get_loaded_model
        self.retrieve_model: Callable[[str], Any] = self.model_manager.retrieve_model
        holds = getattr(self.model_manager, "holds", None)
        self.holds: Callable[[str], bool] = holds or (lambda model_id: self.get_loaded_model(model_id) is not None)
        self.started: Callable[[], None] = self.metrics.started
        self.observe: Callable[[str, str, str, float], None] = self.metrics.observe

    def record(self, rpc_name: str, status: int, model_id: Optional[str], began: float) -> None:
        """Record one finished call in the metrics (unknown model ids are not used as labels)."""
        label = model_id if (model_id and self.holds(model_id)) else ""
        self.observe(rpc_name, status_code_name(status), label, time.perf_counter() - began)

    async def resolve(self, model_id: str, binding_for: Callable[[type], Any]) -> Tuple[Any, Any]:
        """The model and its method binding for ``model_id``.

        A loaded model is a dictionary lookup on the event loop; anything else (a lazy load, a
        load still running) waits in the thread pool.

        Raises:
            CaikitRuntimeException: NOT_FOUND (unknown model), INVALID_ARGUMENT (bad id, or the
                model does not implement the task)
        """
        entry = self.get_loaded_model(model_id)
        model = entry.instance if entry is not None else None
        if model is None:
            model = await self.runner.run_in_pool(self.retrieve_model, (model_id,))
        binding = binding_for(model.__class__)
        if binding is None:
            raise CaikitRuntimeException(
                StatusCode.INVALID_ARGUMENT,
                f"Inference for model class {type(model)} not supported by this runtime",
            )
        return model, binding
