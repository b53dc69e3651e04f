"""Four `arxiv-bot serve` processes on the real RabbitMQ and PostgreSQL, with local arXiv and LLM servers."""
from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

from shared.topology import SERVICES
from tests.e2e.cli import command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Deployment:
    def __init__(self, env: dict[str, str], workdir: Path):
        self.env, self.workdir = env, workdir
        self.ports = {service: free_port() for service in SERVICES}
        self.procs: dict[str, subprocess.Popen] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _spawn(self, service: str) -> None:
        log = open(self.workdir / f"{service}.log", "a")  # noqa: SIM115 - closed with the process
        self.procs[service] = subprocess.Popen(
            [*command(), "serve", service, "--port", str(self.ports[service])],
            cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def _ready(self, service: str) -> bool:
        # Another program on this machine may take the free port between its choice and the bind: then our
        # process exits, and whatever holds the port must not pass for it. A new port, and start again.
        if self.procs[service].poll() is not None:
            self.ports[service] = free_port()
            self._spawn(service)
            return False
        return httpx.get(self.url(service) + "/readyz").status_code == 200

    def start(self, *services: str) -> None:
        for service in services or SERVICES:
            self._spawn(service)
        for service in services or SERVICES:
            wait_until(lambda s=service: self._ready(s), 60, f"{service} ready")

    def kill(self, service: str) -> None:
        """SIGKILL: no shutdown hook runs, exactly like a crash or an OOM kill."""
        self.procs[service].send_signal(signal.SIGKILL)
        self.procs[service].wait(timeout=15)

    def metric(self, service: str, line_start: str) -> float:
        for line in httpx.get(self.url(service) + "/metrics").text.splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {s}\n" + (self.workdir / f"{s}.log").read_text()[-4000:] for s in SERVICES)


def sql(url: str, query: str, *args: object) -> object:
    async def run() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()
    return asyncio.run(run())


def truncate(url: str) -> None:
    from sqlmodel import SQLModel

    from shared import models  # noqa: F401  (registers the tables)

    sql(url, f"TRUNCATE {', '.join(t.name for t in SQLModel.metadata.sorted_tables)} CASCADE")


@contextlib.contextmanager
def deployed(env: dict[str, str], workdir: Path, *services: str, start: bool = True) -> Iterator[Deployment]:
    """The services (all four by default) running for the block: their logs printed if it fails, then stopped
    and the database (env's DATABASE_URL, the test session's) emptied for the next test."""
    deployment = Deployment(env, workdir)
    try:
        if start:
            deployment.start(*services)
        yield deployment
    except BaseException:
        print(deployment.logs())
        raise
    finally:
        deployment.stop()
        truncate(env["DATABASE_URL"])
