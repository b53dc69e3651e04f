"""Prometheus metrics, one registry per process (built at start-up, not at import).

Names follow Prometheus conventions: counters end in `_total`, durations are histograms in `_seconds`,
moments are `_timestamp_seconds` (Unix time; 0 means "never"). Every name here is a contract with the alert
rules (deploy/prometheus/) and the dashboard (deploy/grafana/): tests check both against live services.
"""
from __future__ import annotations

import math
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# The pipeline stage each consuming service carries a run through.
STAGES = {"fetcher": "fetch", "scorer": "score", "summarizer": "summarize", "publisher": "publish"}
STAGE_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, service: str):
        self.registry = CollectorRegistry()
        labels = {"registry": self.registry, "namespace": "arxiv_bot"}
        self.info = Gauge("service_info", "Which service this process runs", ["service"], **labels)
        self.info.labels(service=service).set(1)
        self.messages = Counter("messages_total", "Messages consumed, by outcome (ok, retried, parked, invalid)",
                                ["routing_key", "outcome"], **labels)
        self.handler_duration = Histogram("handler_duration_seconds", "Time to handle one message",
                                          ["routing_key"], buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900),
                                          **labels)
        self.in_flight = Gauge("messages_in_flight", "Messages being handled right now (delivered, not yet acked)",
                               ["routing_key"], **labels)
        self.queue_messages = Gauge("queue_messages", "Messages waiting in this service's queue and its parking "
                                    "queue (read from the broker at each sweep)", ["queue"], **labels)
        self.stage_duration = Histogram("stage_duration_seconds", "Time a stage took for one run (one message)",
                                        ["stage"], buckets=STAGE_BUCKETS, **labels)
        self.stage_last_success = Gauge("stage_last_success_timestamp_seconds",
                                        "When this process last completed its stage for a run", ["stage"],
                                        **labels)
        self.outbox_relayed = Counter("outbox_relayed_total", "Outbox messages published to the broker", **labels)
        self.sweep_failures = Counter("sweep_failures_total", "Periodic sweeps that failed (see the log)",
                                      **labels)
        # From the store, refreshed by every service's sweep (shared/gauges.py): the same value from each.
        self.last_successful_fetch = Gauge("last_successful_fetch_timestamp_seconds",
                                           "When the newest fetch run that got papers (ok or partial) finished",
                                           **labels)
        self.summaries_pending = Gauge("summaries_pending",
                                       "Papers that runs waiting for the summarizer still want summarized",
                                       **labels)
        self.publication_age = Gauge("publication_age_seconds",
                                     "Seconds since the newest digest was published (NaN before the first)",
                                     **labels)
        self.publication_age.set(math.nan)
        self.papers = Counter("papers_total", "Papers seen by the fetcher, by change (new, changed, unchanged)",
                              ["change"], **labels)
        self.feeds = Counter("feeds_total", "Category feeds fetched, by status (ok, empty, stale, error)", ["status"],
                             **labels)
        self.bad_items = Counter("bad_items_total", "Feed items skipped as malformed", **labels)
        self.llm_requests = Counter("llm_requests_total", "LLM calls, by outcome (ok, failed, cached)",
                                    ["outcome"], **labels)
        self.llm_tokens = Counter("llm_tokens_total", "Tokens spent, by kind (prompt, completion)", ["kind"],
                                  **labels)
        # Summaries: what they cost per model, what they read, how often the provider had to be asked again.
        self.llm_prompt_tokens = Counter("llm_prompt_tokens_total", "Prompt tokens billed by the provider, by model",
                                         ["model"], **labels)
        self.llm_completion_tokens = Counter("llm_completion_tokens_total",
                                             "Completion tokens billed by the provider, by model", ["model"], **labels)
        self.summary_sources = Counter("fulltext_sources_total",
                                       "Summaries asked of the model, by the text they read (html, pdf, abstract)",
                                       ["source"], **labels)
        self.llm_retries = Counter("llm_retries_total", "LLM requests sent again, by cause (429, 5xx, timeout, ...)",
                                   ["cause"], **labels)
        self.publications = Counter("publications_total", "Digests rendered, by result (changed, unchanged)",
                                    ["result"], **labels)

    def stage_done(self, stage: str, seconds: float, when: datetime) -> None:
        """A stage finished a run: its duration and the moment, for the 'last success' alerts."""
        self.stage_duration.labels(stage).observe(seconds)
        self.stage_last_success.labels(stage).set(when.timestamp())

    def declare_stage(self, stage: str) -> None:
        """Export the stage's series from start-up (0 = never), so a dashboard sees them before the first run."""
        self.stage_duration.labels(stage)
        self.stage_last_success.labels(stage)

    def render(self) -> bytes:
        return generate_latest(self.registry)
