"""``build_openapi_spec()``: the server's OpenAPI document without starting a server.

``python -m caikit.runtime.dump_services`` writes it as ``openapi.json``. The document is
built from the same route list a running server serves (the handlers are built and never
called), so the two cannot differ; nothing is bound, no model is loaded and no runtime-wide
state (model manager, metrics) is created.
"""
from __future__ import annotations

from typing import Any, Dict

# Fail at import when the "http" extra is not installed (dump_services then skips openapi.json)
import starlette  # noqa: F401

__all__ = ["build_openapi_spec"]


class _NotServing:
    """Stands in for the runtime's managers: the routes are only described, never called."""

    def __getattr__(self, name: str) -> Any:
        def unavailable(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError(f"build_openapi_spec() serves nothing (called {name!r})")

        return unavailable


def build_openapi_spec(runtime_config: Any = None) -> Dict[str, Any]:
    """The OpenAPI 3.1 document of the HTTP server for ``runtime_config``.

    Args:
        runtime_config: the ``runtime`` config section (default: the current config's)

    Raises:
        ImportError: ``runtime.library`` (or starlette) cannot be imported
    """
    from caikit.runtime.service_generation import get_services

    from ._app import build_app
    from ._calls import CallRunner
    from ._context import HandlerContext
    from ._multipart import FormLimits

    if runtime_config is None:
        from caikit.config import get_config

        runtime_config = get_config().runtime
    services = get_services(runtime_config)
    http = runtime_config.http or {}
    not_serving = _NotServing()
    context = HandlerContext(
        model_manager=not_serving,
        runner=CallRunner(pool=None),  # type: ignore[arg-type]
        max_body_bytes=int(http.get("max_body_bytes") or 0),
        metrics=not_serving,
        form_limits=FormLimits.from_config(http),
    )
    version_info = runtime_config.version_info or {}
    application = build_app(
        services,
        context,
        route_prefix=str(http.get("route_prefix") or "api/v1"),
        training_manager=not_serving if services.training is not None else None,
        job_manager=not_serving if services.jobs is not None else None,
        runtime_image=str(version_info.get("runtime_image") or ""),
    )
    return application.openapi
