"""`arxiv-bot serve publisher` as a separate process on a free port, for the browser test and the workers
test: the real command, the real uvicorn (with PUBLISHER_WORKERS processes), the session's test database."""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.cli import child_env, command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_publisher(database_url: str, amqp_url: str, amqp_prefix: str, cwd: Path,
                    workers: int = 1) -> Iterator[str]:
    port = free_port()
    env = child_env(DATABASE_URL=database_url, AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix,
                    PUBLISHER_WORKERS=str(workers), PUBLIC_URL=f"http://127.0.0.1:{port}", LOG_LEVEL="WARNING")
    log = (cwd / "publisher.log").open("w")
    process = subprocess.Popen([*command(), "serve", "publisher", "--port", str(port)], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the publisher did not start:\n" + (cwd / "publisher.log").read_text()[-3000:])
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
