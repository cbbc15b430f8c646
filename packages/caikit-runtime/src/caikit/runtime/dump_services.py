"""``python -m caikit.runtime.dump_services OUT_DIR``: write the runtime's interfaces.

Writes ``.proto`` files that protoc compiles (``python -m grpc_tools.protoc -I OUT_DIR ...``)
for the inference, job, training, training-management and info services of the configured
``runtime.library`` and every data object they use or that is registered (ModelManagement and
``mmesh`` are not dumped, as in caikit), plus ``openapi.json`` when the HTTP server is installed
and ``runtime.http.enabled``.

Options: ``-p/--consolidate-packages`` (one file per package), ``-c/--clean`` (empty OUT_DIR
first), ``-j/--write-modules-json`` (also write ``modules.json``, the served modules by task, to
``runtime.service_generation.backwards_compatibility.current_modules_path``: ``modules.json`` in
the working directory by default, as caikit 0.29.1). With ``backwards_compatibility.enabled``
and a module of its ``prev_modules_path`` no longer served, nothing is written and the exit
status is 2 (see :mod:`caikit.runtime.service_generation.compatibility`).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from typing import Any, Dict, List, Optional

__all__ = ["dump_grpc_services", "dump_http_services", "main", "modules_json"]

log = logging.getLogger("caikit.runtime.dump_services")


def _symbols(services: Any) -> List[str]:
    from caikit.core.data_model import DataBase

    from .service_generation.proto_files import add_service_file

    symbols = []
    for spec in (services.inference, services.jobs, services.training, services.training_management, services.info):
        if spec is not None:
            add_service_file(spec)
            symbols.append(spec.full_name)
            symbols += [message.full_name for message in spec.messages.values()]
    for cls in DataBase.get_registered_classes().values():
        full_name = getattr(cls, "full_name", None)
        if isinstance(full_name, str):
            symbols.append(full_name)
    return symbols


def dump_grpc_services(out_dir: str, consolidate: bool = False, services: Any = None) -> List[str]:
    """Write the ``.proto`` files into ``out_dir``; returns their names."""
    from .service_generation import get_services
    from .service_generation.proto_render import render_files

    services = services or get_services()
    files = render_files(_symbols(services), consolidate=consolidate)
    os.makedirs(out_dir, exist_ok=True)
    for name, source in files.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as handle:
            handle.write(source)
    return sorted(files)


def _openapi_document() -> Optional[Dict[str, Any]]:
    try:
        from caikit.runtime import http_server  # type: ignore[attr-defined]
    except ImportError as err:
        log.info("HTTP server not installed (%s): no openapi.json", err)
        return None
    build = getattr(http_server, "build_openapi_spec", None)
    if build is not None:
        return build()
    try:
        server = http_server.RuntimeHTTPServer(port=0)
    except ImportError as err:  # starlette / hypercorn missing
        log.info("HTTP server not available (%s): no openapi.json", err)
        return None
    try:
        return server.openapi
    finally:
        server.stop(0)  # never started: only releases its socket


def dump_http_services(out_dir: str) -> Optional[str]:
    """Write the HTTP server's ``openapi.json`` into ``out_dir`` if the HTTP server is
    installed; returns its path or None."""
    document = _openapi_document()
    if document is None:
        return None
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "openapi.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    return path


def modules_json(services: Any) -> Dict[str, Any]:
    """``{"included_modules": {"<Task>": {"<module_id>": "<class repr>"}}}``."""
    from .service_generation.compatibility import included_modules

    return {"included_modules": included_modules(services)}


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="caikit-render-interfaces", description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="where to write the files")
    parser.add_argument("-p", "--consolidate-packages", action="store_true", help="one .proto file per package")
    parser.add_argument("-c", "--clean", action="store_true", help="remove OUT_DIR's content first")
    parser.add_argument("-j", "--write-modules-json", action="store_true", help="also write modules.json")
    args = parser.parse_args(argv)

    from caikit.config import get_config
    from caikit.core.toolkit.logging import configure_logging

    from .service_generation import get_services
    from .service_generation.compatibility import BackwardsCompatibilityError, write_modules_json

    configure_logging()
    if args.clean and os.path.isdir(args.out_dir):
        shutil.rmtree(args.out_dir)
    try:
        services = get_services()
    except BackwardsCompatibilityError as err:
        sys.stderr.write(f"caikit-render-interfaces: configuration error: {err}\n")
        return 2
    names = dump_grpc_services(args.out_dir, args.consolidate_packages, services)
    log.info("Wrote %d .proto files to %s", len(names), args.out_dir)
    config = get_config()
    if config.runtime.http.enabled:
        dump_http_services(args.out_dir)
    if args.write_modules_json:
        # as 0.29.1: runtime.service_generation.backwards_compatibility.current_modules_path,
        # relative to the working directory (not to OUT_DIR)
        compat = (config.runtime.service_generation or {}).get("backwards_compatibility") or {}
        path = str(compat.get("current_modules_path") or "modules.json")
        write_modules_json(services, path)
        log.info("Wrote the served modules to %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
