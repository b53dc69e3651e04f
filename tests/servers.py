"""Real HTTP servers on 127.0.0.1 that speak arXiv's and an OpenAI-compatible endpoint's protocols.

They run in a thread of the test process, so the code under test talks to them over real sockets, exactly as
it talks to arxiv.org or an LLM provider in production.
"""
from __future__ import annotations

import hashlib
import json
import ssl
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
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
    # Headers and body leave in separate writes: with Nagle's algorithm on, the client's delayed ACK would hold
    # the body back ~40 ms, a latency no real server adds.
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout under test): nothing to tell it


class FakeArxiv(_Server):
    """Serves `<base>/rss/<category>` from a folder of `<category>.xml` files, or from a dict of bodies.

    `responses[category]` may also be a list of (status, body, headers) answered in turn, to play outages.

    Papers' full texts: `html["<id>v<n>"]` and `pdf["<id>v<n>"]` are served at `/html/<id>v<n>` and
    `/pdf/<id>v<n>` (anything else there is a 404); `huge[path] = (size, declared)` streams `size` bytes at
    that path (a full text's or a feed's: `/rss/<category>`), generated 64 KiB at a time, never held whole,
    with a Content-Length header or without one (then only reading it shows how big it is);
    `sent[path]` counts the bytes actually written, so a test sees a client stop reading early;
    `stall[path] = s` answers only after s seconds; `delay` slows every feed answer (a fetch that takes a while,
    to crash a fetcher in the middle of it); `gate` (a threading.Barrier) holds each feed answer until as many
    requests wait as it has parties (two fetchers in lockstep).

    Atom: `atom["cs.AI+cs.LG"]` is served at `/atom/cs.AI+cs.LG`. With `validators=True` feed answers carry an
    ETag (from the body) and a Last-Modified, and a request whose If-None-Match matches gets a 304.
    `feed_headers` keeps each feed request's headers, `spans` each one's (start, end) monotonic times.
    """

    def __init__(self, folder: Path | None = None, feeds: dict[str, bytes] | None = None,
                 validators: bool = False):
        self.folder, self.feeds = folder, dict(feeds or {})
        self.atom: dict[str, bytes] = {}
        self.validators = validators
        self.feed_headers: list[dict[str, str]] = []
        self.spans: list[tuple[float, float]] = []
        self.not_modified = 0
        self.responses: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {}
        self.requests: list[str] = []
        self.html: dict[str, bytes] = {}
        self.pdf: dict[str, bytes] = {}
        self.huge: dict[str, tuple[int, bool]] = {}
        self.sent: dict[str, int] = {}
        self.stall: dict[str, float] = {}
        self.fulltext_requests: list[str] = []
        self.delay = 0.0
        self.gate: threading.Barrier | None = None
        super().__init__(_ArxivHandler)

    @property
    def base(self) -> str:
        return self.url + "/rss/"

    @property
    def atom_base(self) -> str:
        return self.url + "/atom/"

    def overlapped(self) -> bool:
        """Whether two feed requests were ever served at the same time."""
        spans = sorted(self.spans)
        return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


class _ArxivHandler(_Quiet):
    def stream(self, size: int, declared: bool) -> None:
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        kind = self.path.strip("/").partition("/")[0]
        # Each body starts as a real one of its kind would, so only its size can be what refuses it.
        content_type, head = {"html": ("text/html; charset=utf-8", b"<!DOCTYPE html><html><body><p>"),
                              "rss": ("application/rss+xml; charset=utf-8",
                                      b"<?xml version='1.0' encoding='UTF-8'?><rss version=\"2.0\"><channel>"
                                      b"<title>huge</title><description>"),
                              }.get(kind, ("application/pdf", b"%PDF-1.7\n"))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if declared:
            self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        filler, sent = b"0" * (64 * 1024), 0
        try:
            while sent < size:
                chunk = (head + filler[len(head):] if sent == 0 else filler)[:size - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
                server.sent[self.path] = sent
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: exactly what a size bound should do

    def full_text(self) -> None:
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        server.fulltext_requests.append(self.path)
        kind, _, paper = self.path.strip("/").partition("/")
        time.sleep(server.stall.get(self.path, 0))
        if self.path in server.huge:
            return self.stream(*server.huge[self.path])
        body = (server.html if kind == "html" else server.pdf).get(paper)
        if body is None:
            return self.reply(404, b"<html><body>No HTML for this paper</body></html>", "text/html")
        self.reply(200, body, "text/html; charset=utf-8" if kind == "html" else "application/pdf")

    def do_GET(self) -> None:  # noqa: N802
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        if self.path.startswith(("/html/", "/pdf/")):
            return self.full_text()
        started = time.monotonic()
        server.feed_headers.append(dict(self.headers.items()))
        try:
            self.feed()
        finally:
            server.spans.append((started, time.monotonic()))

    def answer_feed(self, body: bytes, content_type: str) -> None:
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        if not server.validators:
            return self.reply(200, body, content_type)
        tag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'  # noqa: S324 - a cache validator, not security
        if self.headers.get("If-None-Match") == tag:
            server.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", tag)
            self.end_headers()
            return None
        return self.reply(200, body, content_type, {"ETag": tag, "Last-Modified": "Thu, 28 Nov 2024 01:00:00 GMT"})

    def feed(self) -> None:
        server: FakeArxiv = self.server.owner  # type: ignore[attr-defined]
        if self.path.startswith("/atom/"):
            query = self.path.removeprefix("/atom/")
            server.requests.append("atom:" + query)
            body = server.atom.get(query)
            if body is None:
                return self.reply(404, b"not found", "text/plain")
            return self.answer_feed(body, "application/atom+xml; charset=utf-8")
        category = self.path.removeprefix("/rss/")
        server.requests.append(category)
        time.sleep(server.delay)
        if server.gate is not None:
            try:
                server.gate.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass  # the other party never came: answer anyway
        if self.path in server.huge:
            return self.stream(*server.huge[self.path])
        scripted = server.responses.get(category)
        if scripted:
            status, body, headers = scripted.pop(0)
            return self.reply(status, body, "application/rss+xml", headers)
        body = server.feeds.get(category)
        if body is None and server.folder is not None and (server.folder / f"{category}.xml").is_file():
            body = (server.folder / f"{category}.xml").read_bytes()
        if body is None:
            return self.reply(404, b"not found", "text/plain")
        self.answer_feed(body, "application/rss+xml; charset=utf-8")


class FakeLLM(_Server):
    """An OpenAI-compatible /chat/completions endpoint (and the files API of DashScope's compatible mode) that
    records what it was asked.

    `answer(messages) -> str` builds the reply; `fail_for` holds substrings of the user message that get an
    HTTP 500 instead; `raw_for[substring]` is a 200 body sent verbatim, byte for byte (what no JSON encoder
    would write: invalid UTF-8, say); `delay` slows every answer (to observe concurrency). `faults` lists what
    the next chat requests get instead of a plain answer, one each, in turn:
      ("429", s)  HTTP 429 with `Retry-After: s`        ("500", 0)   HTTP 500
      ("slow", s) the answer, after s more seconds      ("malformed", 0) a 200 whose body is not JSON
      ("empty", 0) a 200 with an empty answer           ("drop", 0)  the connection closed, no reply
      ("quota", 0) OpenAI's 429 for an account out of credit (code `insufficient_quota`, no Retry-After)
    Files: POST /files (multipart `file`, `purpose`) keeps the upload in `files` and `uploads`; DELETE
    /files/<id> removes it (its id goes to `deleted`); a chat naming `fileid://<id>` of a file it does not
    hold gets a 400, as DashScope answers. With `models` set, a chat naming another model gets OpenAI's 404
    (`model_not_found`).
    """

    def __init__(self, answer: Callable[[list[dict]], str] | None = None, api_key: str = "test-key"):
        self.answer = answer or (lambda messages: "Summary: " + messages[-1]["content"].splitlines()[0])
        self.api_key = api_key
        self.requests: list[dict] = []
        self.times: list[float] = []  # time.monotonic() at each chat request's arrival
        self.fail_for: set[str] = set()
        self.raw_for: dict[str, bytes] = {}
        self.faults: list[tuple[str, float]] = []
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.files: dict[str, dict] = {}
        self.uploads: list[dict] = []
        self.deleted: list[str] = []
        self.models: set[str] | None = None
        self.unauthorized = 0  # requests refused for their key
        self.lock = threading.Lock()
        super().__init__(_LLMHandler)


def _json(status: int, body: dict) -> tuple[int, bytes]:
    return status, json.dumps(body).encode()


class _LLMHandler(_Quiet):
    def authorized(self) -> bool:
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        if self.headers.get("Authorization") == f"Bearer {server.api_key}":
            return True
        with server.lock:
            server.unauthorized += 1
        self.reply(401, b'{"error": {"message": "bad key", "type": "invalid_request_error"}}', "application/json")
        return False

    def do_DELETE(self) -> None:  # noqa: N802
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        if not self.authorized():
            return
        file_id = self.path.rsplit("/files/", 1)[-1]
        with server.lock:
            found = server.files.pop(file_id, None) is not None
            if found:
                server.deleted.append(file_id)
        status, body = (_json(200, {"id": file_id, "object": "file", "deleted": True}) if found
                        else _json(404, {"error": {"message": f"no file {file_id}"}}))
        self.reply(status, body, "application/json")

    def upload(self, raw: bytes) -> None:
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        form = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode() + raw)
        parts = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
        if "file" not in parts or "purpose" not in parts:
            return self.reply(400, b'{"error": {"message": "file and purpose are required"}}', "application/json")
        with server.lock:
            file_id = f"file-fe-{len(server.uploads) + 1}"
            upload = {"id": file_id, "filename": parts["file"].get_filename(),
                      "purpose": parts["purpose"].get_content().strip(), "data": parts["file"].get_payload(decode=True)}
            server.files[file_id] = upload
            server.uploads.append(upload)
        self.reply(*_json(200, {"id": file_id, "object": "file", "bytes": len(upload["data"]),
                                "created_at": int(time.time()), "filename": upload["filename"],
                                "purpose": upload["purpose"], "status": "processed"}), "application/json")

    def do_POST(self) -> None:  # noqa: N802
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/files"):
            return self.upload(raw) if self.authorized() else None
        if not self.path.endswith("/chat/completions"):
            return self.reply(404, b'{"error": {"message": "no such route"}}', "application/json")
        if not self.authorized():
            return
        body = json.loads(raw)
        if server.models is not None and body.get("model") not in server.models:
            message = f"The model `{body.get('model')}` does not exist or you do not have access to it."
            return self.reply(*_json(404, {"error": {"message": message, "type": "invalid_request_error",
                                                     "code": "model_not_found"}}), "application/json")
        with server.lock:
            server.requests.append(body)
            server.times.append(time.monotonic())
            fault, seconds = server.faults.pop(0) if server.faults else ("", 0.0)
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            time.sleep(server.delay + (seconds if fault == "slow" else 0))
            self.chat(body, fault, seconds)
        finally:
            with server.lock:
                server.in_flight -= 1

    def chat(self, body: dict, fault: str, seconds: float) -> None:
        server: FakeLLM = self.server.owner  # type: ignore[attr-defined]
        user = body["messages"][-1]["content"]
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "429":
            return self.reply(429, b'{"error": {"message": "rate limited", "type": "rate_limit_error"}}',
                              "application/json", {"Retry-After": f"{seconds:g}"})
        if fault == "quota":
            return self.reply(429, b'{"error": {"message": "You exceeded your current quota, please check your plan '
                              b'and billing details.", "type": "insufficient_quota", "param": null, '
                              b'"code": "insufficient_quota"}}', "application/json")
        if fault == "500" or any(marker in user for marker in server.fail_for):
            return self.reply(500, b'{"error": {"message": "model overloaded"}}', "application/json")
        raw = next((body for marker, body in server.raw_for.items() if marker in user), None)
        if raw is not None:
            return self.reply(200, raw, "application/json")
        if fault == "malformed":
            return self.reply(200, b'{"id": "chatcmpl-test", "choices": [{"mess', "application/json")
        for message in body["messages"]:
            content = message["content"]
            if isinstance(content, str) and content.startswith("fileid://") and content[9:] not in server.files:
                return self.reply(400, b'{"error": {"message": "file not found"}}', "application/json")
        text = "" if fault == "empty" else server.answer(body["messages"])
        prompt_tokens = sum(len(str(m["content"])) for m in body["messages"]) // 4
        reply = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                 "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text) // 4,
                           "total_tokens": prompt_tokens + len(text) // 4}}
        self.reply(200, json.dumps(reply).encode(), "application/json")


class Trickle(_Server):
    """Answers every GET or POST with `body`, one byte every `interval` seconds: a server no per-read timeout
    ever catches. With `headers_too`, the status line and headers trickle as well. `hits` counts requests."""

    def __init__(self, body: bytes = b"<rss/>" * 100, interval: float = 0.05, headers_too: bool = False,
                 content_type: str = "application/rss+xml"):
        self.body, self.interval, self.headers_too, self.content_type = body, interval, headers_too, content_type
        self.hits: list[str] = []
        self.stopped = threading.Event()
        super().__init__(_TrickleHandler)

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()  # ends the handler threads still trickling
        super().__exit__(*exc)


class _TrickleHandler(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        server: Trickle = self.server.owner  # type: ignore[attr-defined]
        server.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {server.content_type}\r\n"
                f"Content-Length: {len(server.body)}\r\n\r\n").encode()
        try:
            if not server.headers_too:
                self.wfile.write(head)
            for i in range(len(server.body) + (len(head) if server.headers_too else 0)):
                if server.stopped.wait(server.interval):
                    return
                self.wfile.write((head + server.body if server.headers_too else server.body)[i:i + 1])
        except OSError:
            pass  # the client gave up: that is the point
        self.close_connection = True

    do_POST = do_GET


class WebhookReceiver(_Server):
    """A webhook endpoint that records every POST and answers from a script.

    `answers` holds (status, headers, body) answered in turn, then `default` forever (set `default` to a 503
    to play an outage); `delay` slows every answer. `requests` keeps what arrived with the status it got.
    `port` binds a given port (a receiver coming back where senders were refused while it was down).
    """

    def __init__(self, tls: ssl.SSLContext | None = None, port: int = 0) -> None:
        self.requests: list[Received] = []
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.default: tuple[int, dict[str, str], bytes] = (200, {}, b"ok")
        self.delay = 0.0
        self.lock = threading.Lock()
        super().__init__(_ReceiverHandler, port)
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
