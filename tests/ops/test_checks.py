"""Each offline check of .ci/run passes on the repository and fails on a deliberately broken copy."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.ops.tooling import ROOT, copy_repo, run_check


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}: the breakage would test nothing"
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize("check", ["k8s", "compose", "prometheus", "dockerfile", "grafana"])
def test_the_repository_passes(check: str) -> None:
    result = run_check(check)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{check}: ok" in result.stdout


def breakages() -> list[tuple[str, str, str, str, str]]:
    """(check, file, old, new, what the check must say)."""
    return [
        ("k8s", "k8s/base/scorer.yaml", "containerPort: 8002", "containerPort: 8002\n              hostPortt: 1",
         "hostPortt"),
        ("k8s", "k8s/base/scorer.yaml", "replicas: 1", 'replicas: "one"', "replicas"),
        ("k8s", "k8s/base/pdb.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgett", "unknown kind"),
        ("k8s", "k8s/overlays/prod/kustomization.yaml", "  - ../../base", "  - ../../basis", "kustomize"),
        ("k8s", "k8s/components/keda/scaledobjects.yaml", "kind: ScaledObject", "kind: ScaledObjekt",
         "unknown kind"),
        ("compose", "docker-compose.yml", "condition: service_completed_successfully",
         "condition: service_finished", "config -q failed"),
        ("compose", "docker-compose.yml", "  grafana:\n", "  graphana:\n", "no service named 'grafana'"),
        ("compose", "docker-compose.yml", "./deploy/prometheus/alerts.yml", "./deploy/prometheus/alert.yml",
         "does not exist"),
        ("prometheus", "deploy/prometheus/alerts.yml", "> 26 * 3600", "> 26 * ", "check rules"),
        ("prometheus", "deploy/prometheus/alerts.yml", "> 26 * 3600", "> 30 * 3600", "test rules"),
        ("prometheus", "deploy/prometheus/prometheus.yml", "scrape_interval: 15s", "scrape_interval: soon",
         "check config"),
        ("dockerfile", "Dockerfile", "USER 10001:10001", "USER root", "non-root USER"),
        ("dockerfile", "Dockerfile", "HEALTHCHECK --interval", "# HEALTHCHECK --interval", "HEALTHCHECK"),
        ("dockerfile", "Dockerfile", "FROM python:3.11.11-slim-bookworm AS build", "FROM python:latest AS build",
         "not pinned"),
        ("dockerfile", "Dockerfile", "RUN groupadd", "RUN apt-get install -y gcc && groupadd", "compiler"),
        ("dockerfile", "Dockerfile", "FROM python:3.11.11-slim-bookworm AS build\n", "", "multi-stage"),
        ("grafana", "deploy/grafana/dashboards/arxiv-bot.json", '"uid": "prometheus"', '"uid": "elsewhere"',
         "unprovisioned"),
        ("grafana", "deploy/grafana/dashboards/arxiv-bot.json", '"panels": [', '"panels": [,', "not a dashboard"),
    ]


@pytest.mark.parametrize("check, file, old, new, message", breakages(),
                         ids=[f"{b[0]}-{re.sub(r'[^a-z]+', '-', b[4].lower())}" for b in breakages()])
def test_a_broken_copy_fails(tmp_path: Path, check: str, file: str, old: str, new: str, message: str) -> None:
    copy = copy_repo(tmp_path)
    edit(copy / file, old, new)
    result = run_check(check, root=copy)
    assert result.returncode != 0, result.stdout + result.stderr
    assert message in result.stderr, result.stderr


def test_every_dashboard_panel_has_a_query() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/arxiv-bot.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] if p["type"] != "row" for t in p["targets"]]
    assert len(queries) >= 15
