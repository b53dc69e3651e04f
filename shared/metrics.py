"""Prometheus metrics, one registry per process (built at start-up, not at import)."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, service: str):
        self.registry = CollectorRegistry()
        labels = {"registry": self.registry, "namespace": "arxiv_bot"}
        self.info = Gauge("service_info", "Which service this process runs", ["service"], **labels)
        self.info.labels(service=service).set(1)
        self.messages = Counter("messages_total", "Messages consumed, by outcome (ok, retried, parked, invalid)",
                                ["routing_key", "outcome"], **labels)
        self.handler_seconds = Histogram("handler_seconds", "Time to handle one message", ["routing_key"],
                                         buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900), **labels)
        self.outbox_relayed = Counter("outbox_relayed_total", "Outbox messages published to the broker", **labels)
        self.papers = Counter("papers_total", "Papers seen by the fetcher, by change (new, changed, unchanged)",
                              ["change"], **labels)
        self.feeds = Counter("feeds_total", "Category feeds fetched, by status (ok, empty, error)", ["status"],
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
        self.summary_sources = Counter("summary_sources_total",
                                       "Summaries asked of the model, by the text they read (html, pdf, abstract)",
                                       ["source"], **labels)
        self.llm_retries = Counter("llm_retries_total", "LLM requests sent again, by cause (429, 5xx, timeout, ...)",
                                   ["cause"], **labels)
        self.publications = Counter("publications_total", "Digests rendered, by result (changed, unchanged)",
                                    ["result"], **labels)

    def render(self) -> bytes:
        return generate_latest(self.registry)
