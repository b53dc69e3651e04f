"""Metric names follow Prometheus conventions and the exposition passes promtool's linter."""
from __future__ import annotations

import math
import subprocess
from datetime import datetime, timezone

from prometheus_client.metrics_core import Metric

from shared.metrics import STAGES, Metrics
from shared.topology import SERVICES
from tests.ops.tooling import checks, need


def families(metrics: Metrics) -> list[Metric]:
    return list(metrics.registry.collect())


def test_every_name_follows_the_conventions() -> None:
    for family in families(Metrics("scorer")):
        assert family.name.startswith("arxiv_bot_")
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        if {"timestamp", "age", "duration"} & set(family.name.split("_")):
            assert family.name.endswith("_seconds"), family.name


def test_the_handler_duration_is_a_histogram_in_seconds_under_its_new_name() -> None:
    metrics = Metrics("scorer")
    metrics.handler_duration.labels("run.fetched").observe(0.3)
    registry = metrics.registry
    assert registry.get_sample_value("arxiv_bot_handler_duration_seconds_count", {"routing_key": "run.fetched"}) == 1
    assert registry.get_sample_value("arxiv_bot_handler_duration_seconds_sum", {"routing_key": "run.fetched"}) == 0.3
    assert "arxiv_bot_handler_seconds" not in metrics.render().decode()


def test_a_stage_records_its_duration_and_when_it_last_succeeded() -> None:
    metrics = Metrics("summarizer")
    metrics.declare_stage("summarize")
    registry = metrics.registry
    labels = {"stage": "summarize"}
    assert registry.get_sample_value("arxiv_bot_stage_last_success_timestamp_seconds", labels) == 0  # never
    assert registry.get_sample_value("arxiv_bot_stage_duration_seconds_count", labels) == 0
    when = datetime(2024, 11, 28, 1, 30, tzinfo=timezone.utc)
    metrics.stage_done("summarize", 42.0, when)
    assert registry.get_sample_value("arxiv_bot_stage_last_success_timestamp_seconds", labels) == when.timestamp()
    assert registry.get_sample_value("arxiv_bot_stage_duration_seconds_count", labels) == 1
    assert registry.get_sample_value("arxiv_bot_stage_duration_seconds_bucket", {**labels, "le": "60.0"}) == 1
    assert registry.get_sample_value("arxiv_bot_stage_duration_seconds_bucket", {**labels, "le": "15.0"}) == 0


def test_every_consuming_service_has_a_stage() -> None:
    assert set(STAGES) == set(SERVICES)
    assert sorted(STAGES.values()) == ["fetch", "publish", "score", "summarize"]


def test_publication_age_is_unknown_until_something_is_published() -> None:
    assert math.isnan(Metrics("publisher").registry.get_sample_value("arxiv_bot_publication_age_seconds"))


def test_the_exposition_passes_promtool_check_metrics() -> None:
    need("metrics")
    metrics = Metrics("summarizer")
    metrics.declare_stage("summarize")
    metrics.messages.labels("run.scored", "ok").inc()
    metrics.in_flight.labels("run.scored").inc()
    metrics.queue_messages.labels("arxiv_bot.summarizer.parked").set(2)
    metrics.llm_requests.labels("failed").inc()
    result = subprocess.run([checks.tool("promtool"), "check", "metrics"], input=metrics.render().decode(),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_metrics_does_catch_a_badly_named_counter() -> None:
    need("metrics")
    bad = "# HELP arxiv_bot_requests Requests\n# TYPE arxiv_bot_requests counter\narxiv_bot_requests 1\n"
    result = subprocess.run([checks.tool("promtool"), "check", "metrics"], input=bad, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0 and "_total" in result.stdout + result.stderr
