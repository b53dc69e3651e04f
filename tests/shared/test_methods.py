"""HEAD, OPTIONS and 405s for every route (shared/methods.py), on a small app of its own and over a real
socket served by uvicorn (where HEAD framing matters)."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import StreamingResponse

from shared.methods import MethodsMiddleware


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/thing")
    async def thing() -> Response:
        return Response(b"the thing", media_type="text/plain", headers={"ETag": '"1"'})

    @app.get("/items/{name}")
    async def item(name: str) -> dict[str, str]:
        return {"name": name}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for n in range(3):
                yield f"chunk {n}\n".encode()
        return StreamingResponse(chunks(), media_type="text/plain")

    @app.post("/do")
    async def do() -> dict[str, bool]:
        return {"done": True}

    @app.api_route("/own", methods=["GET", "HEAD", "OPTIONS"])
    async def own() -> Response:
        return Response(b"own", headers={"X-Own": "yes"}, status_code=200)

    included = APIRouter()

    @included.get("/included")
    async def included_route() -> dict[str, str]:
        return {"included": "yes"}

    app.include_router(included)
    app.add_middleware(MethodsMiddleware, router=app.router)

    @app.get("/later")  # added after the middleware: covered all the same
    async def later() -> dict[str, str]:
        return {"later": "yes"}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://app") as c:
        yield c


@pytest.mark.parametrize("path", ["/thing", "/items/x", "/stream", "/included", "/later"])
async def test_head_is_get_without_the_body(client: httpx.AsyncClient, path: str) -> None:
    get, head = await client.get(path), await client.head(path)
    assert get.status_code == head.status_code == 200 and get.content and head.content == b""
    assert {k: v for k, v in head.headers.items() if k != "date"} == {
        k: v for k, v in get.headers.items() if k != "date"}


@pytest.mark.parametrize(("path", "allow"), [("/thing", "GET, HEAD, OPTIONS"), ("/items/x", "GET, HEAD, OPTIONS"),
                                             ("/do", "OPTIONS, POST"), ("/included", "GET, HEAD, OPTIONS"),
                                             ("/later", "GET, HEAD, OPTIONS")])
async def test_options_says_what_is_allowed(client: httpx.AsyncClient, path: str, allow: str) -> None:
    response = await client.options(path)
    assert (response.status_code, response.headers["allow"], response.content) == (204, allow, b"")


@pytest.mark.parametrize(("method", "path", "allow"), [("PUT", "/thing", "GET, HEAD, OPTIONS"),
                                                       ("DELETE", "/items/x", "GET, HEAD, OPTIONS"),
                                                       ("HEAD", "/do", "OPTIONS, POST"),
                                                       ("GET", "/do", "OPTIONS, POST")])
async def test_a_method_the_path_does_not_take_is_a_405_naming_those_it_does(client: httpx.AsyncClient,
                                                                             method: str, path: str,
                                                                             allow: str) -> None:
    response = await client.request(method, path)
    assert (response.status_code, response.headers["allow"]) == (405, allow)
    assert response.content == (b"" if method == "HEAD" else b'{"detail":"Method Not Allowed"}')


async def test_an_unknown_path_stays_a_404_for_every_method(client: httpx.AsyncClient) -> None:
    for method in ("GET", "HEAD", "OPTIONS", "POST"):
        assert (await client.request(method, "/nowhere")).status_code == 404


async def test_a_route_declaring_head_and_options_answers_them_itself(client: httpx.AsyncClient) -> None:
    for method in ("HEAD", "OPTIONS"):
        response = await client.request(method, "/own")
        assert response.status_code == 200 and response.headers["x-own"] == "yes"


async def test_the_other_methods_pass_through_untouched(client: httpx.AsyncClient) -> None:
    assert (await client.post("/do")).json() == {"done": True}
    assert (await client.get("/items/a%20b")).json() == {"name": "a b"}


@pytest.fixture
async def served() -> AsyncIterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(make_app(), log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            await task


async def test_over_a_real_socket_head_keeps_the_connection_usable(served: str) -> None:
    # One connection for all: had HEAD sent a body, the next answer on it would be garbled.
    async with httpx.AsyncClient(base_url=served, limits=httpx.Limits(max_connections=1)) as client:
        head = await client.head("/thing")
        assert head.status_code == 200 and head.headers["content-length"] == "9" and head.content == b""
        assert (await client.head("/stream")).content == b""
        assert (await client.get("/thing")).content == b"the thing"
        options = await client.options("/thing")
        assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS"
        assert (await client.get("/items/y")).json() == {"name": "y"}
