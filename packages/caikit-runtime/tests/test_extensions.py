"""Third-party gRPC interceptors and HTTP middleware named in config (caikit.runtime.extensions).

The entry points are real: a throwaway distribution (a ``*.dist-info`` on ``sys.path``)
declares them, and real servers on loopback load them by name.
"""
from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

import http_support
import sample_lib
from caikit.core.toolkit.testing import throwaway_distribution
from caikit.runtime.extensions import ExtensionError, UnknownExtensionError
from runtime_test_helpers import base_env, rpc_error, save_greeter

DIST = "caikit-ext-test-plugins"
TIMEOUT = 5

PLUGINS = '''
import grpc
from starlette.middleware.base import BaseHTTPMiddleware

CALLS = []


def _terminator(code, details):
    def terminate(request, context):
        context.abort(code, details)

    return grpc.unary_unary_rpc_method_handler(terminate)


class Auth(grpc.ServerInterceptor):
    def __init__(self, header="authorization"):
        self.header = header
        self.deny = _terminator(grpc.StatusCode.UNAUTHENTICATED, f"{header} metadata required")

    def intercept_service(self, continuation, details):
        if any(key == self.header for key, _ in details.invocation_metadata or ()):
            return continuation(details)
        return self.deny


class Trailer(grpc.ServerInterceptor):
    def __init__(self, key, value):
        self.key, self.value = key, value

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary

        def behaviour(request, context):
            response = inner(request, context)
            context.set_trailing_metadata(((self.key, self.value),))
            return response

        return handler._replace(unary_unary=behaviour)


class Record(grpc.ServerInterceptor):
    def __init__(self, tag):
        self.tag = tag

    def intercept_service(self, continuation, details):
        CALLS.append(self.tag)
        return continuation(details)


def not_an_interceptor():
    return object()


def unreachable(url):
    raise ConnectionError(f"cannot reach {url}")


class RequireHeader:
    def __init__(self, app, header="x-api-key"):
        self.app, self.header = app, header.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not any(key == self.header for key, _ in scope["headers"]):
            body = b'{"detail": "unauthorized"}'
            headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class AddHeader(BaseHTTPMiddleware):
    def __init__(self, app, name, value):
        super().__init__(app)
        self.name, self.value = name, value

    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers[self.name] = self.value
        return response


class ReadsBody(BaseHTTPMiddleware):
    """Reads the whole body before the runtime does (as a request logger might)."""

    async def dispatch(self, request, call_next):
        await request.body()
        return await call_next(request)


def returns_none(app):
    return None


class HttpOnly:
    """Written for HTTP requests alone: fails on any other scope (the lifespan)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        assert scope["type"] == "http", scope["type"]
        await self.app(scope, receive, send)
'''

ENTRY_POINTS = {
    "caikit.runtime.grpc_interceptors": {
        "TEST_AUTH": "caikit_ext_test_plugins:Auth",
        "TEST_TRAILER": "caikit_ext_test_plugins:Trailer",
        "TEST_RECORD": "caikit_ext_test_plugins:Record",
        "TEST_NOT_AN_INTERCEPTOR": "caikit_ext_test_plugins:not_an_interceptor",
        "TEST_UNREACHABLE": "caikit_ext_test_plugins:unreachable",
    },
    "caikit.runtime.http_middleware": {
        "TEST_REQUIRE_HEADER": "caikit_ext_test_plugins:RequireHeader",
        "TEST_ADD_HEADER": "caikit_ext_test_plugins:AddHeader",
        "TEST_READS_BODY": "caikit_ext_test_plugins:ReadsBody",
        "TEST_RETURNS_NONE": "caikit_ext_test_plugins:returns_none",
        "TEST_HTTP_ONLY": "caikit_ext_test_plugins:HttpOnly",
    },
}


@pytest.fixture(scope="module")
def plugins():
    """The throwaway distribution, installed; yields its module (for ``CALLS``)."""
    with throwaway_distribution(DIST, ENTRY_POINTS, {"caikit_ext_test_plugins.py": PLUGINS}):
        import caikit_ext_test_plugins

        yield caikit_ext_test_plugins


# -- gRPC ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def grpc_server(tmp_path: Path, interceptors):
    """An in-process RuntimeGRPCServer (sample_lib, a 'greeter' model) with ``interceptors``;
    yields ``(server, greet)`` where ``greet(name, metadata=())`` calls GreetingTaskPredict
    and returns ``(response, call)``."""
    from caikit.config import temp_config
    from caikit.runtime.grpc_server import RuntimeGRPCServer

    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    save_greeter(models, "greeter")
    settings = {
        "library": "sample_lib",
        "local_models_dir": str(models),
        "grpc": {"port": 0, "interceptors": interceptors},
        "metrics": {"enabled": False},
    }
    with temp_config({"runtime": settings}):
        http_support.reset_runtime_state()
        try:
            with RuntimeGRPCServer() as server:
                channel = server.make_local_channel()
                stub = server.inference_service.stub_class(channel)
                messages = server.inference_service.messages

                def greet(name, metadata=()):
                    request = messages.GreetingTaskRequest(name=name)
                    return stub.GreetingTaskPredict.with_call(
                        request, metadata=[("mm-model-id", "greeter"), *metadata], timeout=TIMEOUT
                    )

                try:
                    yield server, greet
                finally:
                    channel.close()
        finally:
            http_support.reset_runtime_state()


def test_auth_interceptor_refuses_calls_without_authorization(plugins, tmp_path):
    with grpc_server(tmp_path, ["TEST_AUTH"]) as (_, greet):
        err = rpc_error(greet, "anonymous")
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert err.details() == "authorization metadata required"
        response, _ = greet("Ada", metadata=[("authorization", "Bearer t")])
        assert response.greeting == "Hello Ada"


def test_an_interceptor_gets_its_config_as_keyword_arguments(plugins, tmp_path):
    interceptors = [{"type": "TEST_TRAILER", "config": {"key": "x-served-by", "value": "replica-7"}}]
    with grpc_server(tmp_path, interceptors) as (_, greet):
        response, call = greet("Ada")
        assert response.greeting == "Hello Ada"
        assert ("x-served-by", "replica-7") in [tuple(item) for item in call.trailing_metadata()]


@pytest.mark.parametrize("order", [["outer", "inner"], ["inner", "outer"]])
def test_interceptors_run_in_list_order_outermost_first(plugins, tmp_path, order):
    interceptors = [{"type": "TEST_RECORD", "config": {"tag": tag}} for tag in order]
    with grpc_server(tmp_path, interceptors) as (_, greet):
        plugins.CALLS.clear()
        greet("Ada")
        assert plugins.CALLS == order


def test_an_interceptor_listed_after_a_refusal_is_not_reached(plugins, tmp_path):
    interceptors = ["TEST_AUTH", {"type": "TEST_RECORD", "config": {"tag": "behind-auth"}}]
    with grpc_server(tmp_path, interceptors) as (_, greet):
        plugins.CALLS.clear()
        assert rpc_error(greet, "anonymous").code() == grpc.StatusCode.UNAUTHENTICATED
        assert plugins.CALLS == []
        greet("Ada", metadata=[("authorization", "t")])
        assert plugins.CALLS == ["behind-auth"]


def test_nothing_configured_takes_grpc_path_without_interceptors(tmp_path):
    with grpc_server(tmp_path, []) as (server, greet):
        assert greet("Ada")[0].greeting == "Hello Ada"
        assert server.server._state.interceptor_pipeline is None


def _grpc_start_error(tmp_path, interceptors) -> ExtensionError:
    with pytest.raises(ExtensionError) as info:
        with grpc_server(tmp_path, interceptors):
            pass
    return info.value


def test_an_unknown_interceptor_fails_start_listing_what_is_installed(plugins, tmp_path):
    err = _grpc_start_error(tmp_path, ["TEST_AUTH", "NO_SUCH_THING"])
    assert isinstance(err, UnknownExtensionError)
    message = str(err)
    assert message.startswith("runtime.grpc.interceptors[1] (NO_SUCH_THING): ")
    assert "'caikit.runtime.grpc_interceptors'" in message
    assert f"TEST_AUTH (entry point of {DIST})" in message
    assert f"TEST_TRAILER (entry point of {DIST})" in message
    assert "TEST_REQUIRE_HEADER" not in message  # another group's


@pytest.mark.parametrize(
    "interceptors, expected",
    [
        (["TEST_AUTH", 42], "runtime.grpc.interceptors[1] = 42: each item is an entry-point name or"),
        ([{"config": {"key": "k"}}], "runtime.grpc.interceptors[0] = {'config': {'key': 'k'}}: 'type' must be"),
        ([{"type": "TEST_AUTH", "settings": {}}], "runtime.grpc.interceptors[0] = {'type': 'TEST_AUTH', 'settings': {}}: unknown keys ['settings']"),
        ([{"type": "TEST_AUTH", "import_class": "x.Y"}], "'import_class' is not supported"),
        ([{"type": "TEST_TRAILER", "config": ["k", "v"]}], "runtime.grpc.interceptors[0] (TEST_TRAILER): 'config' must be a mapping"),
        ("TEST_AUTH", "runtime.grpc.interceptors must be a list"),
    ],
)
def test_an_item_of_the_wrong_shape_fails_start_naming_it(plugins, tmp_path, interceptors, expected):
    assert expected in str(_grpc_start_error(tmp_path, interceptors))


@pytest.mark.parametrize(
    "item, expected",
    [
        (
            {"type": "TEST_UNREACHABLE", "config": {"url": "https://auth.invalid"}},
            "runtime.grpc.interceptors[0] (TEST_UNREACHABLE): calling caikit_ext_test_plugins:unreachable with "
            "config {'url': 'https://auth.invalid'} failed: ConnectionError: cannot reach https://auth.invalid",
        ),
        ({"type": "TEST_TRAILER", "config": {"key": "k"}}, "(TEST_TRAILER): calling caikit_ext_test_plugins:Trailer"),
        ("TEST_NOT_AN_INTERCEPTOR", "runtime.grpc.interceptors[0] (TEST_NOT_AN_INTERCEPTOR): caikit_ext_test_plugins:not_an_interceptor returned <object object"),
    ],
)
def test_a_factory_that_fails_or_returns_the_wrong_type_fails_start_naming_it(plugins, tmp_path, item, expected):
    message = str(_grpc_start_error(tmp_path, [item]))
    assert expected in message
    if "NOT_AN" in expected:
        assert message.endswith("not a grpc.ServerInterceptor (grpc.aio interceptors do not fit the runtime's server)")


def test_the_command_line_reports_an_unknown_interceptor_as_a_configuration_error(tmp_path):
    env = base_env(RUNTIME_GRPC_PORT="0", RUNTIME_GRPC_INTERCEPTORS="[NO_SUCH_THING]", RUNTIME_LOCAL_MODELS_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "caikit.runtime"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert "caikit-runtime: configuration error: runtime.grpc.interceptors[0] (NO_SUCH_THING): " in result.stderr
    assert "'caikit.runtime.grpc_interceptors'" in result.stderr and "Installed: " in result.stderr
    assert "Traceback" not in result.stderr


# -- HTTP ---------------------------------------------------------------------------------------

LIMIT = 1024
GREETING = "/api/v1/task/greeting"


@contextlib.contextmanager
def http_server(tmp_path: Path, middleware):
    models = {"greeter": lambda path: sample_lib.GreeterModule("Hi {}").save(path)}
    runtime = {"http": {"middleware": middleware, "max_body_bytes": LIMIT}}
    with http_support.running_server(tmp_path, "sample_lib", models, runtime) as server:
        yield server


def _greet(server, headers=None, **kwargs):
    body = {"inputs": "Ada", "model_id": "greeter"}
    return requests.post(http_support.url(server, GREETING), json=body, headers=headers, timeout=TIMEOUT, **kwargs)


def test_a_middleware_refuses_requests_without_its_header(plugins, tmp_path):
    with http_server(tmp_path, ["TEST_REQUIRE_HEADER"]) as server:
        refused = _greet(server)
        assert (refused.status_code, refused.json()) == (401, {"detail": "unauthorized"})
        served = _greet(server, headers={"x-api-key": "k"})
        assert (served.status_code, served.json()) == (200, {"greeting": "Hi Ada"})
        # router routes too, not only the task routes the front dispatches itself
        assert requests.get(http_support.url(server, "/health"), timeout=TIMEOUT).status_code == 401


def test_a_middleware_gets_its_config_and_sees_every_route(plugins, tmp_path):
    middleware = [{"type": "TEST_ADD_HEADER", "config": {"name": "x-served-by", "value": "replica-7"}}]
    with http_server(tmp_path, middleware) as server:
        served = _greet(server)
        assert served.status_code == 200 and served.json() == {"greeting": "Hi Ada"}
        assert served.headers["x-served-by"] == "replica-7"
        info = requests.get(http_support.url(server, "/info/version"), timeout=TIMEOUT)
        assert info.status_code == 200 and info.headers["x-served-by"] == "replica-7"


def test_middleware_run_in_list_order_outermost_first(plugins, tmp_path):
    # the outer one adds its header even to the inner one's refusal; the other way round the
    # refusal is answered before the header middleware is reached
    add = {"type": "TEST_ADD_HEADER", "config": {"name": "x-outer", "value": "yes"}}
    with http_server(tmp_path, [add, "TEST_REQUIRE_HEADER"]) as server:
        refused = _greet(server)
        assert refused.status_code == 401 and refused.headers.get("x-outer") == "yes"
    with http_server(tmp_path, ["TEST_REQUIRE_HEADER", add]) as server:
        refused = _greet(server)
        assert refused.status_code == 401 and "x-outer" not in refused.headers


def test_the_lifespan_goes_to_the_runtime_not_to_middleware(plugins, tmp_path):
    with http_server(tmp_path, ["TEST_HTTP_ONLY"]) as server:  # starts: it never sees the lifespan
        assert _greet(server).json() == {"greeting": "Hi Ada"}


def test_the_body_limit_holds_in_front_of_middleware(plugins, tmp_path):
    with http_server(tmp_path, ["TEST_REQUIRE_HEADER"]) as server:
        # a Content-Length above the limit: 413 before the middleware runs (not its 401)
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(
                f"POST {GREETING} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {10 * 1024 * 1024 * 1024}\r\n\r\n".encode()
            )
            status, headers, body = http_support.split_response(http_support.read_response(sock))
        assert status == 413 and headers.get("connection") == "close"
        assert str(LIMIT) in json.loads(body)["details"]
        big = requests.post(
            http_support.url(server, GREETING), data=b"x" * (LIMIT + 1),
            headers={"Content-Type": "application/json", "x-api-key": "k"}, timeout=TIMEOUT,
        )
        assert big.status_code == 413


def test_a_chunked_body_read_by_a_middleware_is_still_bounded(plugins, tmp_path):
    with http_server(tmp_path, ["TEST_READS_BODY"]) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(
                f"POST {GREETING} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            part = b"x" * 512
            for _ in range(3):  # 1536 bytes > LIMIT, and the body never ends
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            status, _, body = http_support.split_response(http_support.read_response(sock))
        assert status == 413 and json.loads(body)["code"] == 413

        def chunks():
            yield b'{"inputs": "chunked",'
            yield b' "model_id": "greeter"}'

        served = requests.post(
            http_support.url(server, GREETING), data=chunks(), headers={"Content-Type": "application/json"}, timeout=TIMEOUT
        )
        assert (served.status_code, served.json()) == (200, {"greeting": "Hi chunked"})


def test_nothing_configured_composes_the_app_as_before(tmp_path):
    with http_server(tmp_path, []) as server:
        assert server.application.asgi.app is server.application.starlette
        assert _greet(server).status_code == 200


@pytest.mark.parametrize(
    "middleware, expected",
    [
        (["NO_SUCH_THING"], f"TEST_ADD_HEADER (entry point of {DIST})"),
        ([{"type": "TEST_ADD_HEADER"}], "runtime.http.middleware[0] (TEST_ADD_HEADER): calling caikit_ext_test_plugins:AddHeader"),
        (["TEST_RETURNS_NONE"], "runtime.http.middleware[0] (TEST_RETURNS_NONE): caikit_ext_test_plugins:returns_none returned None, not an ASGI application"),
        ([["TEST_ADD_HEADER"]], "runtime.http.middleware[0] = ['TEST_ADD_HEADER']: each item is"),
    ],
)
def test_a_middleware_that_cannot_be_used_fails_start_naming_it(plugins, tmp_path, middleware, expected):
    with pytest.raises(ExtensionError) as info:
        with http_server(tmp_path, middleware):
            pass
    assert expected in str(info.value)
    if middleware == ["NO_SUCH_THING"]:
        assert "'caikit.runtime.http_middleware'" in str(info.value)
        assert "TEST_AUTH" not in str(info.value)  # another group's

