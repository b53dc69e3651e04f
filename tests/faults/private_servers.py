"""A RabbitMQ node and a PostgreSQL cluster of the test's own, to stop and restart mid-run.

The shared broker (5672) and database (5432) serve every other test running at the same time: an outage
test must never touch them. These servers run from the distribution's binaries on free ports, with their
data, logs, sockets and Erlang cookie in a temporary folder; they are stopped and the folder removed
whatever happens to the test. Missing binaries fail the test under CI=true (CI must have them) and skip it
elsewhere, like the shared servers' fixtures.
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _binary(name: str, *candidates: str) -> str:
    for path in (*candidates, shutil.which(name)):
        if path and os.access(path, os.X_OK):
            return path
    unavailable(f"{name} (a private server for the outage tests)", FileNotFoundError(name))
    raise AssertionError("unreachable")  # unavailable() fails or skips


class PrivateRabbit:
    """One RabbitMQ node, no plugins, AMQP on a free port of 127.0.0.1.

    The scripts in /usr/lib/rabbitmq/bin are called directly: the /usr/sbin wrappers switch to the rabbitmq
    user and its cookie, while this node has a HOME, and so a cookie, of its own.
    """

    def __init__(self) -> None:
        self.server = _binary("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
        self.ctl = _binary("rabbitmqctl", "/usr/lib/rabbitmq/bin/rabbitmqctl")
        self.dir = Path(tempfile.mkdtemp(prefix="faults-rabbit-"))
        self.node = f"faults-{secrets.token_hex(4)}@localhost"
        self.port = free_port()
        home = self.dir / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)
        (self.dir / "enabled_plugins").write_text("[].\n")
        self.env = {**os.environ, "HOME": str(home), "RABBITMQ_NODENAME": self.node,
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(free_port()), "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.dir / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
                    # None of the machine's configuration applies to this node.
                    "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
                    "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
                    "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
                    "RABBITMQ_PID_FILE": str(self.dir / "pid")}

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl_run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([self.ctl, "-n", self.node, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self) -> None:
        subprocess.run([self.server, "-detached"], env=self.env, check=True, capture_output=True, timeout=60)
        self.wait_up(90)

    def wait_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # await_startup fails at once while the node is not yet registered with epmd: ask again.
            if self.ctl_run("await_startup", "--timeout", "30").returncode == 0 and port_open(self.port):
                return
            time.sleep(0.5)
        raise AssertionError(f"private RabbitMQ {self.node} did not start:\n{self.log()}")

    def stop_app(self) -> None:
        result = self.ctl_run("stop_app")
        assert result.returncode == 0, result.stderr

    def start_app(self) -> None:
        result = self.ctl_run("start_app")
        assert result.returncode == 0, result.stderr
        self.wait_up(60)

    def stop(self) -> None:
        try:
            stopped = self.ctl_run("stop", timeout=60).returncode == 0
        except subprocess.TimeoutExpired:
            stopped = False
        pid = self.dir / "pid"
        if not stopped and pid.exists():  # the VM did not halt: kill it, by its own pid only
            try:
                os.kill(int(pid.read_text().strip()), 9)
            except (ValueError, ProcessLookupError):
                pass

    def log(self) -> str:
        return "\n".join(Path(p).read_text(errors="replace")[-3000:] for p in glob.glob(str(self.dir / "log/*.log")))

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """One PostgreSQL cluster, trust auth, on a free port of 127.0.0.1 and a socket in its own folder.

    initdb refuses to run as root: then the cluster belongs to the `postgres` user (runuser).
    """

    def __init__(self) -> None:
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        bindir = versions[-1] if versions else ""
        self.initdb = _binary("initdb", f"{bindir}/initdb")
        self.pg_ctl = _binary("pg_ctl", f"{bindir}/pg_ctl")
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("a postgres user to run a private cluster as", LookupError("postgres"))
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.port = free_port()
        self.data = self.dir / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)

    def _ctl(self, action: str, *extra: str) -> subprocess.CompletedProcess:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60",
                         *extra, action, "-o", options)

    def start(self) -> None:
        result = self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                           "--no-sync")
        assert result.returncode == 0, result.stderr
        result = self._ctl("start")
        assert result.returncode == 0, result.stderr + self.log()

    def stop_now(self) -> None:
        """Fast shutdown: every session is disconnected, as at a crash or a failover."""
        result = self._run(self.pg_ctl, "-D", str(self.data), "-w", "-m", "fast", "stop")
        assert result.returncode == 0, result.stderr

    def start_again(self) -> None:
        result = self._ctl("start")
        assert result.returncode == 0, result.stderr + self.log()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.pg_ctl, "-D", str(self.data), "-w", "-m", "immediate", "stop")

    def log(self) -> str:
        path = self.dir / "log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_rabbit() -> Iterator[PrivateRabbit]:
    rabbit = PrivateRabbit()
    try:
        rabbit.start()
        yield rabbit
    finally:
        rabbit.stop()
        rabbit.remove()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.stop()
        postgres.remove()
