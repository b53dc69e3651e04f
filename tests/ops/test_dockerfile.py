"""The image: locked dependencies, a non-root user, a health check that knows which service it is."""
from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.ops.tooling import ROOT, checks, load_script
from tests.servers import _Quiet, _Server

healthcheck = load_script("deploy/docker/healthcheck.py")


def test_the_image_installs_the_lock_with_wheels_only_and_runs_arxiv_bot() -> None:
    stages = checks.dockerfile_stages((ROOT / "Dockerfile").read_text())
    build, final = stages[0], stages[-1]
    runs = " ".join(args for instruction, args in build["instructions"] if instruction == "RUN")
    assert "-r requirements.lock" in runs and "--only-binary=:all:" in runs and "--no-deps" in runs
    assert ("ENTRYPOINT", '["arxiv-bot"]') in final["instructions"]
    assert any(i == "COPY" and args.startswith(f"--from={build['name']}") for i, args in final["instructions"])


def locked() -> dict[str, str]:
    lines = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if line and line[0] != "#"]
    assert all("==" in line for line in lines), "every line of the lock pins one exact version"
    return {canonicalize_name(name): version for name, version in (line.split("==") for line in lines)}


def test_the_lock_pins_every_dependency_of_the_project_and_nothing_for_tests() -> None:
    pins = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: regenerate it (deploy/lock.py)"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {line}"
    for line in project["optional-dependencies"]["test"]:
        assert canonicalize_name(Requirement(line).name) not in pins


def test_the_lock_is_what_deploy_lock_computes_from_this_environment() -> None:
    lock = load_script("deploy/lock.py")
    computed = lock.closure(lock.project_requirements())
    if computed != locked():
        pytest.skip("this environment has other versions installed than the lock: "
                    "the image builds from the lock; regenerate it after upgrading on purpose")
    assert set(computed) == set(locked())


@pytest.mark.parametrize("argv, url", [
    (["/opt/venv/bin/python", "/opt/venv/bin/arxiv-bot", "serve", "scorer"], "http://127.0.0.1:8002/healthz"),
    (["arxiv-bot", "serve", "publisher", "--port", "9000"], "http://127.0.0.1:9000/healthz"),
    (["/sbin/docker-init", "--", "arxiv-bot", "serve", "fetcher", "--port=9001"], "http://127.0.0.1:9001/healthz"),
    (["arxiv-bot", "migrate"], None),
    (["arxiv-bot", "run", "--once", "--out", "."], None),
])
def test_the_healthcheck_finds_the_service_from_the_command_line(argv: list[str], url: str | None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    assert healthcheck.target(argv) == url


class _Health(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        status = self.server.owner.status  # type: ignore[attr-defined]
        self.reply(status, b"{}", "application/json")


class HealthServer(_Server):
    def __init__(self, status: int):
        self.status = status
        super().__init__(_Health)


def test_the_healthcheck_asks_the_service_and_fails_when_it_does_not_answer_ok() -> None:
    with HealthServer(200) as up:
        port = up.url.rsplit(":", 1)[1]
        assert healthcheck.check(["arxiv-bot", "serve", "scorer", "--port", port]) == 0
    with HealthServer(503) as sick:
        assert healthcheck.check(["arxiv-bot", "serve", "scorer", "--port", sick.url.rsplit(":", 1)[1]]) == 1
    assert healthcheck.check(["arxiv-bot", "serve", "scorer", "--port", port], timeout=2) == 1  # gone
    assert healthcheck.check(["arxiv-bot", "migrate"]) == 0


def test_the_build_context_is_only_what_the_image_needs() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything is left out, but what is named
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    instructions = [i for stage in checks.dockerfile_stages((ROOT / "Dockerfile").read_text())
                    for i in stage["instructions"]]
    copied = {source.removeprefix("./") for instruction, args in instructions
              if instruction == "COPY" and not args.startswith("--from") for source in args.split()[:-1]}
    assert {"requirements.lock", "pyproject.toml", "shared", "deploy/docker/healthcheck.py"} <= copied
    for source in copied:
        assert any(source == a or source.startswith(a + "/") for a in allowed), f"{source} is not in the context"
    assert ".env" not in allowed
