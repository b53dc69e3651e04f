"""Real HTTP servers on 127.0.0.1 that speak arXiv's and an OpenAI-compatible endpoint's protocols.

They run in a thread of the test process, so the code under test talks to them over real sockets, exactly as
it talks to arxiv.org or an LLM provider in production.
"""
from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class FakeArxiv(_Server):
    """Serves `<base>/rss/<category>` from a folder of `<category>.xml` files, or from a dict of bodies.

    `responses[category]` may also be a list of (status, body, headers) answered in turn, to play outages.
    """

    def __init__(self, folder: Path | None = None, feeds: dict[str, bytes] | None = None):
        self.folder, self.feeds = folder, dict(feeds or {})
        self.responses: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {}
        self.requests: list[str] = []
        super().__init__(_ArxivHandler)

    @property
    def base(self) -> str:
        return self.url + "/rss/"


class _ArxivHandler(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        category = self.path.removeprefix("/rss/")
        server.requests.append(category)
        scripted = server.responses.get(category)
        if scripted:
            status, body, headers = scripted.pop(0)
            return self.reply(status, body, "application/rss+xml", headers)
        body = server.feeds.get(category)
        if body is None and server.folder is not None and (server.folder / f"{category}.xml").is_file():
            body = (server.folder / f"{category}.xml").read_bytes()
        if body is None:
            return self.reply(404, b"not found", "text/plain")
        self.reply(200, body, "application/rss+xml; charset=utf-8")


class FakeLLM(_Server):
    """An OpenAI-compatible /chat/completions endpoint that records what it was asked.

    `answer(messages) -> str` builds the reply; `fail_for` holds substrings of the user message that get an
    HTTP 500 instead; `delay` slows every answer (to observe concurrency).
    """

    def __init__(self, answer: Callable[[list[dict]], str] | None = None, api_key: str = "test-key"):
        self.answer = answer or (lambda messages: "Summary: " + messages[-1]["content"].splitlines()[0])
        self.api_key = api_key
        self.requests: list[dict] = []
        self.fail_for: set[str] = set()
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        super().__init__(_LLMHandler)


class _LLMHandler(_Quiet):
    def do_POST(self) -> None:  # noqa: N802
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if not self.path.endswith("/chat/completions"):
            return self.reply(404, b'{"error": {"message": "no such route"}}', "application/json")
        if self.headers.get("Authorization") != f"Bearer {server.api_key}":
            return self.reply(401, b'{"error": {"message": "bad key", "type": "invalid_request_error"}}',
                              "application/json")
        with server.lock:
            server.requests.append(body)
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            time.sleep(server.delay)
            user = body["messages"][-1]["content"]
            if any(marker in user for marker in server.fail_for):
                return self.reply(500, b'{"error": {"message": "model overloaded"}}', "application/json")
            text = server.answer(body["messages"])
            reply = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                     "model": body["model"],
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": text}}],
                     "usage": {"prompt_tokens": len(user) // 4, "completion_tokens": len(text) // 4,
                               "total_tokens": len(user) // 4 + len(text) // 4}}
            self.reply(200, json.dumps(reply).encode(), "application/json")
        finally:
            with server.lock:
                server.in_flight -= 1


class WebhookReceiver(_Server):
    """A webhook endpoint that records every POST and answers from a script.

    `answers` holds (status, headers, body) answered in turn, then `default` forever (set `default` to a 503
    to play an outage); `delay` slows every answer. `requests` keeps what arrived with the status it got.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.default: tuple[int, dict[str, str], bytes] = (200, {}, b"ok")
        self.delay = 0.0
        self.lock = threading.Lock()
        super().__init__(_ReceiverHandler)
        self.tls = tls
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"

    def delivered(self) -> list[Received]:
        """The requests answered with a 2xx: what the receiver accepted."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def successes_per_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for request in self.delivered():
            counts[request.headers.get("webhook-id", "")] = counts.get(request.headers.get("webhook-id", ""), 0) + 1
        return counts


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> object:
        return json.loads(self.body)


class _ReceiverHandler(_Quiet):
    def do_POST(self) -> None:  # noqa: N802
        server: WebhookReceiver = self.server.owner  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(server.delay)
        with server.lock:
            status, headers, answer = server.answers.pop(0) if server.answers else server.default
            server.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status))
        self.reply(status, answer, "text/plain", headers)
