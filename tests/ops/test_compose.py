"""What docker-compose.yml promises: the named services, their order, health checks, one published feed port."""
from __future__ import annotations

import json
import subprocess

import yaml

from shared.settings import SERVICE_PORTS
from tests.ops.tooling import ROOT, checks, need


def model() -> dict:
    need("compose")
    result = subprocess.run([checks.compose_binary(), "--project-directory", str(ROOT), "--env-file",
                             str(ROOT / ".env.example"), "-f", str(ROOT / "docker-compose.yml"), "config",
                             "--format", "json"], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_services_start_after_migrations_and_a_healthy_broker() -> None:
    services = model()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVICE_PORTS:
        assert services[name]["command"] == ["serve", name]
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["rabbitmq"]["condition"] == "service_healthy"
    for store in ("postgres", "rabbitmq"):
        assert services[store]["healthcheck"]["test"]
        assert any(v["type"] == "volume" for v in services[store]["volumes"])  # a named volume
    assert "management" in services["rabbitmq"]["image"]


def test_only_the_feeds_are_published_to_the_world() -> None:
    services = model()["services"]
    public = {(name, p["published"]) for name, s in services.items() for p in s.get("ports", [])
              if p.get("host_ip") != "127.0.0.1"}
    assert public == {("publisher", "8004")}


def test_the_daily_fetch_is_the_fetchers_own_schedule() -> None:
    fetcher = model()["services"]["fetcher"]
    assert fetcher["environment"]["FETCH_SCHEDULE"] == "30 20 * * 0-4"
    assert fetcher["environment"]["FETCH_TIMEZONE"] == "America/New_York"


def test_secrets_come_from_the_shell_not_from_files() -> None:
    environment = model()["services"]["summarizer"]["environment"]
    for secret in ("DASHSCOPE_API_KEY", "LLM_API_KEY", "API_TOKEN"):
        assert environment[secret] == ""  # `${VAR:-}`: the shell's value, nothing written down
        assert not [line for line in (ROOT / ".env.example").read_text().splitlines()
                    if line.startswith(f"{secret}=")]


def test_prometheus_scrapes_every_service_on_its_port_and_loads_the_rules() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] if job["job_name"] == "arxiv-bot"
               for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{name}:{port}" for name, port in SERVICE_PORTS.items()}
    assert config["rule_files"] == ["alerts.yml"]
    mounts = {v["target"] for v in model()["services"]["prometheus"]["volumes"]}
    assert {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"} <= mounts
