"""The docs cannot rot: every Python block of docs/**/*.md and README.md runs.

For each page, its blocks run in order, each in a fresh interpreter (a subprocess), in a
temporary directory of that page, with the environment's ``RUNTIME_*``, ``LOG_*``, ``APP_*``
and ``CONFIG_FILES`` variables removed so the defaults the docs describe are the ones in force.
Markers (HTML comments right before a block, see ``tests/_doc_blocks.py``):

* ``file: PATH`` -- the block is written to PATH in the page's directory (any language), so
  later blocks can import or read it; a Python file is then imported (a package module) or run
  (a script), unless it also says ``no-test``.
* ``excerpt: PATH`` -- the block is a verbatim excerpt of a file of this repository: checked
  to still be in that file, not run.
* ``no-test: why`` -- intentionally partial: not run, counted, and the reason is required.
* ``yaml``, ``toml`` and ``json`` blocks must parse.
* ``needs: redis`` -- a redis-server is started for the page; ``REDIS_URL`` holds its URL.
* ``expect-output`` (on the block after a Python block) -- each of its lines must appear, in
  order, in what that Python block printed.

Also here: the generated configuration reference (docs/configuration.md) must be current.
"""
from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK_TIMEOUT = 180  # bounds a hung block; never decides a result
PYTHON_LANGS = ("python", "py", "python3")


def _parse_toml(text: str) -> None:
    import tomllib

    tomllib.loads(text)


def _parse_yaml(text: str) -> None:
    import yaml

    list(yaml.safe_load_all(text))


#: other blocks that are checked to parse (configs, manifests, bodies)
PARSERS = {"yaml": _parse_yaml, "yml": _parse_yaml, "toml": _parse_toml, "json": json.loads}


def _load_doc_blocks():
    name = "caikit_docs_tests_doc_blocks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, pathlib.Path(__file__).with_name("_doc_blocks.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


doc_blocks = _load_doc_blocks()

PAGES = [ROOT / "README.md", *sorted(p for p in DOCS.rglob("*.md") if "tools" not in p.relative_to(DOCS).parts)]


def _page_id(page: pathlib.Path) -> str:
    return str(page.relative_to(ROOT))


def _env(extra: Dict[str, str]) -> Dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUNTIME_", "LOG_", "APP_")) and key != "CONFIG_FILES"
    }
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


class _Redis:
    """A redis-server on a free loopback port, for pages marked ``needs: redis``."""

    def __init__(self, workdir: pathlib.Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("a block needs Redis: install redis-server")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _run_python(args: List[str], cwd: pathlib.Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT
        )
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(args, -1, err.stdout or "", f"timed out after {BLOCK_TIMEOUT} s")


def run_page(page: pathlib.Path, workdir: pathlib.Path) -> List[dict]:
    """Run one page's blocks in order; one result per block the test acts on."""
    results: List[dict] = []
    blocks = doc_blocks.blocks(page)
    redis: Optional[_Redis] = None
    extra: Dict[str, str] = {}
    if any(b.markers.get("needs") == "redis" for b in blocks):
        redis = _Redis(workdir)
        extra["REDIS_URL"] = redis.url
    env = _env(extra)
    last_output: Optional[str] = None
    try:
        for block in blocks:
            result = {"where": block.where, "kind": None, "problem": None}
            if "expect-output" in block.markers:
                result["kind"] = "expect-output"
                if last_output is None:
                    result["problem"] = "expect-output block without a Python block run before it"
                else:
                    expected = [line.strip() for line in block.code.splitlines() if line.strip()]
                    result["problem"] = doc_blocks.expected_lines_in_order(expected, last_output)
                results.append(result)
                continue
            if "excerpt" in block.markers:
                result["kind"] = "excerpt"
                source = ROOT / block.markers["excerpt"]
                if not source.is_file():
                    result["problem"] = f"excerpt of a missing file {block.markers['excerpt']!r}"
                elif block.code.strip() not in source.read_text(encoding="utf-8"):
                    result["problem"] = f"no longer a verbatim excerpt of {block.markers['excerpt']}"
                results.append(result)
                continue
            if block.lang in PARSERS and "no-test" not in block.markers:
                result["kind"] = "parsed"
                try:
                    PARSERS[block.lang](block.code)
                except Exception as err:  # any parse error is the finding
                    result["problem"] = f"not valid {block.lang}: {err}"
                results.append(result)
            if block.file:
                path = workdir / block.file
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(block.code, encoding="utf-8")
            if block.lang not in PYTHON_LANGS:
                continue
            if block.no_test is not None:
                result["kind"] = "no-test"
                result["reason"] = block.no_test
                if not block.no_test:
                    result["problem"] = "a no-test marker needs a reason"
                results.append(result)
                continue
            if block.file:
                relative = pathlib.PurePosixPath(block.file)
                if relative.name == "__init__.py" or len(relative.parts) > 1:
                    module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
                    args = ["-c", f"import {module}"]
                else:
                    args = [str(relative)]
            else:
                script = workdir / f"_block_line{block.line}.py"
                script.write_text(block.code, encoding="utf-8")
                args = [script.name]
            done = _run_python(args, workdir, env)
            last_output = done.stdout
            result["kind"] = "run"
            if done.returncode != 0:
                result["problem"] = (
                    f"exit status {done.returncode}\n--- block\n{block.code}\n--- stdout\n{done.stdout[-3000:]}"
                    f"\n--- stderr\n{done.stderr[-5000:]}"
                )
            results.append(result)
    finally:
        if redis is not None:
            redis.stop()
    return results


@pytest.fixture(scope="module")
def page_results(tmp_path_factory) -> Dict[str, List[dict]]:
    """Every page run once, pages in parallel (they are independent; blocks of a page are not)."""
    base = tmp_path_factory.mktemp("docs")
    workers = max(2, min(4, os.cpu_count() or 2))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for index, page in enumerate(PAGES):
            workdir = base / f"{index:02d}-{page.stem}"
            workdir.mkdir()
            futures[_page_id(page)] = pool.submit(run_page, page, workdir)
        return {page: future.result() for page, future in futures.items()}


#: Pages whose owner still has to mark a block, with what is missing. Strict xfail: the day the
#: page is fixed this test XPASSes and fails, so the entry must then be removed.
AWAITING_MARKERS: Dict[str, str] = {}


def _page_param(page: pathlib.Path):
    page_id = _page_id(page)
    if page_id in AWAITING_MARKERS:
        return pytest.param(page_id, marks=pytest.mark.xfail(reason=AWAITING_MARKERS[page_id], strict=True))
    return page_id


@pytest.mark.slow
@pytest.mark.parametrize("page", [_page_param(p) for p in PAGES])
def test_page_blocks(page_results, page):
    problems = [f"{r['where']} ({r['kind']}): {r['problem']}" for r in page_results[page] if r["problem"]]
    assert not problems, "\n\n".join(problems)


@pytest.mark.slow
def test_python_blocks_are_run_or_marked_and_counted(page_results):
    every = [r for results in page_results.values() for r in results]
    run = [r for r in every if r["kind"] == "run"]
    partial = [r for r in every if r["kind"] == "no-test"]
    excerpts = [r for r in every if r["kind"] == "excerpt"]
    print(f"\nPython blocks run: {len(run)}; excerpts checked: {len(excerpts)}; "
          f"yaml/toml/json blocks parsed: {sum(1 for r in every if r['kind'] == 'parsed')}; "
          f"expected outputs checked: {sum(1 for r in every if r['kind'] == 'expect-output')}; "
          f"not run (marked no-test): {len(partial)}")
    for r in partial:
        print(f"  no-test {r['where']}: {r['reason']}")
    assert len(run) >= 30, "the docs lost their runnable examples?"
    # partial blocks are the exception: at most one in five of the blocks that could run
    assert len(partial) * 5 <= len(run) + len(partial), [r["where"] for r in partial]


def test_every_python_block_is_seen():
    """The extractor sees every fence: a page whose fences it cannot pair would hide blocks."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        fences = sum(1 for line in text.splitlines() if line.lstrip().startswith("```"))
        assert fences % 2 == 0, f"{page}: unbalanced code fences"
        assert len(doc_blocks.blocks(page)) == fences // 2, page


def test_configuration_reference_is_current():
    generator = DOCS / "tools" / "gen_config_reference.py"
    done = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_configuration_reference_lists_every_key():
    """Independent of the generator: each leaf of the merged defaults has a row and its variable."""
    import caikit.config
    from caikit.config import env_name

    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    defaults = caikit.config._builtin_defaults()

    def walk(value, path=()):
        if isinstance(value, dict) and value:
            for key, item in value.items():
                yield from walk(item, (*path, str(key)))
        else:
            yield path, value

    leaves = list(walk(defaults))
    assert len(leaves) > 50
    for path, value in leaves:
        dotted = ".".join(path)
        assert f"| `{dotted}` |" in page, f"{dotted} is missing from docs/configuration.md"
        if not (isinstance(value, dict) and not value):
            assert f"`{env_name(path)}`" in page, f"{dotted}: its variable {env_name(path)} is not listed"
