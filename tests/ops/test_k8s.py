"""What the rendered Kubernetes manifests promise: probes, limits, non-root read-only pods, one fetch trigger."""
from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml

from shared.settings import SERVICE_PORTS
from shared.topology import Topology
from tests.ops.tooling import ROOT, checks, need

SERVICES = sorted(SERVICE_PORTS)


@cache
def rendered(overlay: str) -> tuple[dict, ...]:
    return tuple(doc for doc in yaml.safe_load_all(checks.kustomize(ROOT / "k8s" / overlay)) if doc)


def by_kind(overlay: str, kind: str) -> dict[str, dict]:
    need("k8s")
    return {doc["metadata"]["name"]: doc for doc in rendered(overlay) if doc["kind"] == kind}


def pod_specs(overlay: str) -> dict[str, dict]:
    specs = {f"deployment/{n}": d["spec"]["template"]["spec"] for n, d in by_kind(overlay, "Deployment").items()}
    specs.update({f"job/{n}": d["spec"]["template"]["spec"] for n, d in by_kind(overlay, "Job").items()})
    specs.update({f"cronjob/{n}": d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                  for n, d in by_kind(overlay, "CronJob").items()})
    return specs


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_each_service_is_a_probed_limited_rolling_deployment(overlay: str) -> None:
    deployments, services = by_kind(overlay, "Deployment"), by_kind(overlay, "Service")
    assert set(SERVICES) <= set(deployments) and set(SERVICES) <= set(services)
    env = next(iter(by_kind(overlay, "ConfigMap")[n] for n in by_kind(overlay, "ConfigMap")
                    if n.startswith("arxiv-bot-env")))["data"]
    for name in SERVICES:
        deployment = deployments[name]
        assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["serve", name]
        assert container["ports"][0]["containerPort"] == SERVICE_PORTS[name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        # The runtime's grace period must end before the kubelet's SIGKILL.
        assert float(env["SHUTDOWN_GRACE_SECONDS"]) < pod["terminationGracePeriodSeconds"]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(SERVICE_PORTS[name])


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/prod"])
def test_every_arxiv_bot_pod_runs_as_non_root_on_a_read_only_root(overlay: str) -> None:
    specs = pod_specs(overlay)
    assert {"job/migrate", "cronjob/fetch", *(f"deployment/{s}" for s in SERVICES)} <= set(specs)
    for where, pod in specs.items():
        if not any(c["image"].endswith(("arxiv-bot:0.1.0", "arxiv-bot:dev")) for c in pod["containers"]):
            continue  # dev's PostgreSQL and RabbitMQ
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["automountServiceAccountToken"] is False, where
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where


def test_migrations_are_a_job_and_the_daily_fetch_a_cronjob_not_a_second_schedule() -> None:
    job = by_kind("overlays/prod", "Job")["migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    cron = by_kind("overlays/prod", "CronJob")["fetch"]
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["fetch"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    env = next(d for n, d in by_kind("overlays/prod", "ConfigMap").items() if n.startswith("arxiv-bot-env"))
    assert env["data"]["FETCH_SCHEDULE"] == ""


def test_the_ingress_exposes_the_feeds_of_the_publisher_only() -> None:
    (ingress,) = by_kind("overlays/prod", "Ingress").values()
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    assert {p["backend"]["service"]["name"] for p in paths} == {"publisher"}
    assert sorted(p["path"] for p in paths) == ["/readme", "/rss"]  # not /metrics, not /healthz


def test_dev_brings_its_own_store_and_broker_and_prod_does_not() -> None:
    assert set(by_kind("overlays/dev", "StatefulSet")) == {"postgres", "rabbitmq"}
    assert by_kind("overlays/prod", "StatefulSet") == {}
    # Prod never overwrites the real connection Secret with the base's example.
    assert "arxiv-bot-secrets" not in by_kind("overlays/prod", "Secret")
    url = by_kind("overlays/dev", "Secret")["arxiv-bot-secrets"]["stringData"]["DATABASE_URL"]
    assert "@postgres:5432/" in url


def test_every_service_has_a_disruption_budget() -> None:
    budgets = by_kind("overlays/prod", "PodDisruptionBudget")
    assert {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for b in budgets.values()} == set(SERVICES)


def test_only_the_fetcher_the_fetch_job_and_the_summarizer_reach_the_internet() -> None:
    policies = by_kind("overlays/prod", "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    outside = set()
    for policy in policies.values():
        for rule in policy["spec"].get("egress", []):
            if any("ipBlock" in peer for peer in rule.get("to", [])):
                selector = policy["spec"]["podSelector"]
                outside |= set(selector.get("matchLabels", {}).values())
                for expression in selector.get("matchExpressions", []):
                    outside |= set(expression["values"])
    assert outside == {"fetcher", "fetch", "summarizer"}


def component(name: str) -> list[dict]:
    need("k8s")
    return [doc for path in sorted((ROOT / "k8s/components" / name).glob("*.yaml"))
            if path.name != "kustomization.yaml" for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_keda_scales_the_scorer_and_summarizer_on_their_own_queues() -> None:
    scaled = {d["metadata"]["name"]: d for d in component("keda") if d["kind"] == "ScaledObject"}
    assert set(scaled) == {"scorer", "summarizer"}
    topology = Topology()  # the default AMQP_PREFIX, as in the base's ConfigMap
    for name, doc in scaled.items():
        assert doc["spec"]["scaleTargetRef"]["name"] == name
        assert doc["spec"]["triggers"][0]["metadata"]["queueName"] == topology.queue(name)


def test_the_hpa_scales_the_publisher() -> None:
    (hpa,) = component("hpa-publisher")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "publisher"}


def test_the_operators_component_wires_the_operators_secrets_into_every_pod() -> None:
    need("k8s")
    with tempfile.TemporaryDirectory(dir=ROOT / "k8s") as tmp:
        (Path(tmp) / "kustomization.yaml").write_text(
            "resources: [../overlays/prod]\ncomponents: [../components/operators]\n")
        docs = [d for d in yaml.safe_load_all(checks.kustomize(Path(tmp))) if d]
    kinds = {(d["apiVersion"], d["kind"]) for d in docs}
    assert {("postgresql.cnpg.io/v1", "Cluster"), ("rabbitmq.com/v1beta1", "RabbitmqCluster")} <= kinds
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job", "CronJob"):
            spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
            env = {e["name"]: e for e in spec["template"]["spec"]["containers"][0]["env"]}
            assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "arxiv-bot-db-app"
            assert re.fullmatch(r"amqp://\$\(RABBITMQ_USER\):\$\(RABBITMQ_PASSWORD\)@arxiv-bot-rabbitmq:5672/",
                                env["AMQP_URL"]["value"])
