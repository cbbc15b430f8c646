"""Practical limit for HTTP: a bare starlette handler on hypercorn doing the same JSON work.

``python bare_http_server.py PORT`` serves ``POST /api/v1/task/greeting`` on
127.0.0.1: parse the JSON body, check ``model_id``, answer ``{"greeting": "Hello <inputs>"}``.
"""

import asyncio
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def greeting(request: Request) -> JSONResponse:
    """The whole 'model' over JSON."""
    body = await request.json()
    if body.get("model_id") != "greeter":
        return JSONResponse(
            {"details": f"Model {body.get('model_id')!r} not found", "code": 404}, 404
        )
    return JSONResponse({"greeting": f"Hello {body['inputs']}"})


def main() -> None:
    """Serve until killed."""
    config = Config()
    config.bind = [f"127.0.0.1:{sys.argv[1]}"]
    config.accesslog = None
    app = Starlette(routes=[Route("/api/v1/task/greeting", greeting, methods=["POST"])])
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
