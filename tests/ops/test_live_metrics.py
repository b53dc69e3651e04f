"""The four running services export, lint-clean, every metric the alert rules and the dashboard read."""
from __future__ import annotations

import json
from pathlib import Path

from shared.metrics import STAGES
from tests.e2e.deployment import Deployment, wait_until
from tests.ops.live import request_fetch, synthetic_deployment, wait_for_readme
from tests.ops.tooling import copy_repo, need, run_check


def stage_done(services: Deployment, service: str) -> bool:
    return services.metric(service, f'arxiv_bot_stage_last_success_timestamp_seconds{{stage="{STAGES[service]}"}}') > 0


def test_the_running_services_export_what_alerts_and_dashboard_use(tmp_path: Path, pg_url: str, amqp_url: str,
                                                                   amqp_prefix: str) -> None:
    need("metrics")
    with synthetic_deployment(tmp_path, pg_url, amqp_url, amqp_prefix) as (services, _llm):
        request_fetch(services)
        wait_for_readme(services, summaries=2)
        for service in STAGES:
            wait_until(lambda s=service: stage_done(services, s), 60, f"the {service}'s stage to succeed")
        # The store-derived gauges, refreshed by each service's sweep.
        wait_until(lambda: services.metric("scorer", "arxiv_bot_publication_age_seconds") < 3600, 30,
                   "the publication age to be known")
        assert services.metric("fetcher", "arxiv_bot_last_successful_fetch_timestamp_seconds") > 0
        parked = f'arxiv_bot_queue_messages{{queue="{amqp_prefix}.summarizer.parked"}}'
        assert services.metric("summarizer", parked) == 0
        urls = [services.url(s) + "/metrics" for s in STAGES]
        result = run_check("metrics", *urls)
        assert result.returncode == 0, result.stdout + result.stderr

        # The same check fails when the dashboard reads a metric nobody exports.
        copy = copy_repo(tmp_path / "broken")
        dashboard = copy / "deploy/grafana/dashboards/arxiv-bot.json"
        data = json.loads(dashboard.read_text())
        data["panels"][1]["targets"][0]["expr"] = "max(arxiv_bot_summaries_waiting)"
        dashboard.write_text(json.dumps(data))
        broken = run_check("metrics", *urls, root=copy)
        assert broken.returncode != 0 and "arxiv_bot_summaries_waiting, which no service exports" in broken.stderr
