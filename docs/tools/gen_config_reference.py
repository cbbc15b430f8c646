#!/usr/bin/env python3
"""Generate docs/configuration.md from the default YAML files of the installed distributions.

    python docs/tools/gen_config_reference.py           # rewrite docs/configuration.md
    python docs/tools/gen_config_reference.py --check   # exit 1 if the committed page is stale

The sources are exactly what ``caikit.config`` merges as built-in defaults: caikit-core's
``config.yml`` and every YAML file named by an entry point of the ``caikit.config_defaults``
group (caikit-runtime's section, and any other distribution's). For every key the page lists
its default, the environment variable that overrides it (``caikit.config.env_name``), and the
comment written above it (or after it) in the YAML file. ``nox -s docs`` runs this before
building; ``tests/test_docs_snippets.py`` fails when the committed page is not current.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import pathlib
import re
import sys
from typing import Any, Dict, List, Tuple

import yaml

DOCS = pathlib.Path(__file__).resolve().parents[1]
PAGE = DOCS / "configuration.md"
KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.\-]+):(?P<rest>.*)$")
#: factory sections whose ``type`` names an entry point, and the group holding them
FACTORY_GROUPS = {
    "model_management.trainers": "caikit.model_trainers",
    "model_management.finders": "caikit.model_finders",
    "model_management.initializers": "caikit.model_initializers",
}
#: Meanings for keys whose YAML has no comment (read from the code that uses them). A comment in
#: the YAML file wins; keep this for what the YAML does not say.
NOTES = {
    "model_management.trainers.default.config.subprocess_start_method": "How the training subprocess starts: spawn, fork or forkserver",
    "model_management.finders.default.config": "The finder's own settings (LOCAL: `load_path`, a directory relative model paths are resolved against)",
    "model_management.initializers.default.config": "The initializer's own settings (LOCAL: `backend_priority`, the module backends to try in order)",
    "runtime.lazy_load_poll_period_seconds": "Seconds between re-scans of local_models_dir while lazy loading is on (new entries load when load_new_local_models, vanished ones unload)",
    "runtime.lazy_load_retries": "How many more times a failed lazy load is tried before the request gets NOT_FOUND",
    "runtime.load_threads": "Threads that load models (null: CPU count + 1, at most 8)",
    "runtime.tls.server.cert": "PEM file path or inline PEM of the server certificate (with tls.server.key)",
    "runtime.grpc.enabled": "Start the gRPC server",
    "runtime.grpc.port": "gRPC port (0 picks a free port)",
    "runtime.grpc.server_shutdown_grace_period_seconds": "On SIGINT/SIGTERM, seconds calls in flight get to finish before they are cancelled",
    "runtime.http.enabled": "Start the HTTP server (needs caikit-runtime[http])",
    "runtime.http.port": "HTTP port (0 picks a free port)",
    "runtime.http.route_prefix": "Prefix of the task and train routes (/api/v1/task/...)",
    "runtime.http.server_shutdown_grace_period_seconds": "On SIGINT/SIGTERM, seconds requests in flight get to finish",
    "runtime.metrics.enabled": "Serve Prometheus metrics on their own port",
    "runtime.metrics.port": "Prometheus metrics port (/metrics)",
    "runtime.service_generation.enable_inference": "Generate the inference service and task routes",
    "runtime.service_generation.enable_training": "Generate the training and training-management services and train routes",
    "runtime.service_generation.enable_inference_jobs": "Generate the prediction-job service and routes (needs enable_inference)",
    "runtime.service_generation.module_guids.included": "Serve only these module ids (empty: all of runtime.library)",
    "runtime.service_generation.module_guids.excluded": "Never serve these module ids",
    "runtime.service_generation.task_types.included": "Serve only these tasks, by class name (empty: all)",
    "runtime.service_generation.task_types.excluded": "Never serve these tasks, by class name",
    "runtime.service_generation.package": "Override the proto package of the generated services (default caikit.runtime.<Domain>)",
    "runtime.version_info.python_packages.all": "GET /info/version lists every installed distribution (false: the caikit ones)",
    "runtime.version_info.runtime_image": "Reported as runtime_version by /info/version and as the OpenAPI version",
    "inference_plugin.model_mesh.capacity": "Bytes of model memory reported to ModelMesh (runtimeStatus)",
    "inference_plugin.model_mesh.max_loading_concurrency": "Concurrent model loads reported to ModelMesh",
    "inference_plugin.model_mesh.model_loading_timeout_ms": "Model load timeout reported to ModelMesh",
    "inference_plugin.model_mesh.default_model_size": "Size reported for a model whose size cannot be estimated, in bytes",
    "inference_plugin.model_mesh.default_model_size_multiplier": "Model size estimate: bytes on disk x this (unless model_size_multipliers has the model type)",
    "inference_plugin.model_mesh.max_model_concurrency": "Concurrent requests per model reported to ModelMesh",
    "inference_plugin.model_mesh.latency_based_autoscaling_enabled": "Reported to ModelMesh (runtimeStatus)",
    "inference_plugin.model_mesh.runtime_version": "Runtime version reported to ModelMesh",
}


def sources() -> List[Tuple[str, pathlib.Path]]:
    """(distribution, YAML path) of every built-in defaults file, core first."""
    import caikit.config
    from caikit.core.toolkit import plugins

    found = [("caikit-core", pathlib.Path(caikit.config.__file__).with_name("config.yml"))]
    for _name, claimants in sorted(plugins.plugins(caikit.config.DEFAULTS_ENTRY_POINT_GROUP).items()):
        for plugin in claimants:
            value = plugin.entry_point.load()
            if not isinstance(value, (str, os.PathLike)):
                # a parsed mapping: its module names the YAML file it was read from
                module = sys.modules.get(plugin.entry_point.module)
                value = getattr(module, "DEFAULTS_PATH", None)
            if isinstance(value, (str, os.PathLike)):
                found.append((plugin.distribution, pathlib.Path(value)))
    return found


def _inline_comment(rest: str) -> str:
    """The ``# comment`` after a value, ignoring ``#`` inside quotes."""
    quote = None
    for index, char in enumerate(rest):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or rest[index - 1].isspace()):
            return rest[index + 1 :].strip()
    return ""


def comments(path: pathlib.Path) -> Tuple[str, Dict[Tuple[str, ...], str]]:
    """The file's header comment, and the comment of each key path."""
    header: List[str] = []
    described: Dict[Tuple[str, ...], str] = {}
    pending: List[str] = []
    stack: List[Tuple[int, str]] = []
    seen_key = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped:
            if not seen_key and pending:
                header += pending
            pending = []
            continue
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        match = KEY_LINE.match(raw)
        if not match or stripped.startswith("-"):
            pending = []
            continue
        seen_key = True
        indent = len(match.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key_path = (*tuple(k for _, k in stack), match.group("key"))
        text = " ".join(pending + [c for c in [_inline_comment(match.group("rest"))] if c])
        if text:
            described[key_path] = text
        pending = []
        stack.append((indent, match.group("key")))
    return " ".join(header), described


def leaves(value: Any, path: Tuple[str, ...] = ()) -> List[Tuple[Tuple[str, ...], Any]]:
    """Every (path, value) whose value is not a non-empty mapping, in file order."""
    if isinstance(value, dict) and value:
        found = []
        for key, item in value.items():
            found += leaves(item, (*path, str(key)))
        return found
    return [(path, value)]


def render_value(value: Any) -> str:
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"`{value}`"
    if isinstance(value, str):
        return '`""`' if value == "" else f"`{value}`"
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _installed(group: str) -> str:
    from caikit.core.toolkit import plugins

    names = sorted(plugins.plugins(group))
    return ", ".join(f"`{n}`" for n in names)


def render() -> str:
    from caikit.config import env_name

    out = [
        "# Configuration reference",
        "",
        "<!-- GENERATED by docs/tools/gen_config_reference.py from the default YAML files: do not edit. -->",
        "",
        "Every setting of caikit is a key of one configuration tree. Its defaults are the YAML",
        "files below, shipped inside the distributions; each layer overrides the one before it:",
        "",
        "1. the built-in defaults (caikit-core's `config.yml`, then the section each installed",
        "   distribution contributes through the `caikit.config_defaults` entry-point group);",
        "2. `caikit.configure(config_yml_path=..., config_dict=...)` (cumulative);",
        "3. the YAML files listed in `config_files` or `CONFIG_FILES` (comma separated), in order;",
        "4. environment variables named by the key's path in upper snake case",
        "   (`runtime.http.port` → `RUNTIME_HTTP_PORT`), parsed as YAML scalars, so `8081` is a",
        "   number, `false` a boolean and `null` None.",
        "",
        "Only keys that exist can be set from the environment: the defaults document every",
        "setting. A key whose default is an empty mapping (`{}`) holds free-form entries; set it",
        "in a file or with `configure()`. Keys under `model_management` hold *factory blobs*:",
        "`type` names a plugin (an entry point) and `config` is handed to it.",
        "",
        "```python",
        "import caikit",
        "",
        "print(caikit.get_config().runtime.http.port)",
        "caikit.configure(config_dict={\"runtime\": {\"http\": {\"port\": 9000}}})",
        "print(caikit.get_config().runtime.http.port)",
        "```",
        "<!-- expect-output -->",
        "```text",
        "8080",
        "9000",
        "```",
        "",
    ]
    undocumented: List[str] = []
    for distribution, path in sources():
        header, described = comments(path)
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += [f"## {distribution}", "", f"From `{path.parent.name}/{path.name}` of `{distribution}`."]
        if header:
            out += ["", header]
        for top, section in tree.items():
            out += ["", f"### `{top}`", ""]
            out += ["| key | default | environment variable | meaning |", "|---|---|---|---|"]
            for key_path, value in leaves({top: section}):
                dotted = ".".join(key_path)
                settable = not (isinstance(value, dict) and not value)
                env = f"`{env_name(key_path)}`" if settable else "— (a file or `configure()`)"
                meaning = described.get(key_path) or NOTES.get(dotted, "")
                parent = ".".join(key_path[:-2])
                if key_path[-1] == "type" and parent in FACTORY_GROUPS:
                    group = FACTORY_GROUPS[parent]
                    meaning = (meaning + " " if meaning else "") + (
                        f"A plugin of the `{group}` entry-point group; installed: {_installed(group)}."
                    )
                out.append(f"| `{dotted}` | {render_value(value)} | {env} | {_cell(meaning)} |")
                if not meaning:
                    undocumented.append(dotted)
        out.append("")
    if undocumented:
        raise SystemExit(
            "These keys have no comment in their YAML file and no note in "
            f"docs/tools/gen_config_reference.py: {', '.join(undocumented)}"
        )
    return "\n".join(out)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/configuration.md is not current")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "generated", lineterm="")
            print("\n".join(list(diff)[:80]))
            print(f"\n{PAGE} is stale: run python docs/tools/gen_config_reference.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
