"""The operator's documents keep up: a runbook per alert, the README's commands, CI running the checks."""
from __future__ import annotations

import re

import yaml

from tests.ops.tooling import ROOT


def anchors(markdown: str) -> set[str]:
    return {re.sub(r"[^a-z0-9 -]", "", title.strip().lower()).replace(" ", "-")
            for title in re.findall(r"^#{2,4} (.+)$", markdown, re.MULTILINE)}


def test_every_alert_has_its_runbook() -> None:
    operations = (ROOT / "docs/OPERATIONS.md").read_text()
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"][0]["rules"]
    for rule in rules:
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/OPERATIONS.md" and anchor == rule["alert"].lower()
        assert anchor in anchors(operations), f"no runbook section for {rule['alert']}"


def fenced_commands(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", markdown, re.DOTALL)


def test_ci_runs_the_readme_test_command_verbatim_and_then_the_deployment_checks() -> None:
    readme = (ROOT / "README.md").read_text()
    setup, tests = fenced_commands(readme)[:2]
    assert setup == ("python3 -m venv .venv && .venv/bin/pip install -q -e . && "
                     ".venv/bin/arxiv-bot run --once --out digest")
    assert tests == "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest"
    ci = (ROOT / ".ci/run").read_text().splitlines()
    assert tests in ci
    assert ci.index(".venv/bin/python deploy/checks.py all") > ci.index(tests)


def test_the_readme_points_at_compose_and_kustomize() -> None:
    readme = (ROOT / "README.md").read_text()
    deploy = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    assert "docker compose up" in deploy and "kubectl apply -k k8s/overlays/" in deploy
