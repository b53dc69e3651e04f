"""Process settings: where the database, broker, arXiv and the LLM live.

Everything here comes from the environment (or a `.env` file), never from config.json: config.json says
*what* a researcher follows, settings say *where* this deployment runs. Build one with `Settings()`; nothing
is read at import time.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"fetcher": 8001, "scorer": 8002, "summarizer": 8003, "publisher": 8004}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # None means "the embedded default": a SQLite file for `run --once`, an error for `serve`.
    database_url: str | None = None
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Prefix of every exchange and queue name, so several deployments (or test runs) share one broker.
    amqp_prefix: str = "arxiv_bot"
    prefetch: int = Field(8, ge=1)

    arxiv_rss_base_url: str = "https://rss.arxiv.org/rss/"
    http_timeout: float = 30.0
    http_retries: int = Field(3, ge=0)
    # A real day's all-archives feed is 2.8 MB; anything far beyond that is not a feed.
    max_feed_bytes: int = 32 * 1024 * 1024

    # Override config.json's ai_summary.base_url / the key named by ai_summary.api_key_env.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 120.0
    llm_retries: int = Field(2, ge=0)
    # The whole of one summary request, retries included: a model that trickles its answer cannot hold a
    # message past the broker's consumer timeout (30 min by default).
    llm_deadline_seconds: float = Field(300.0, gt=0, le=1500)
    # How long a claim on a summary lasts without renewal: a crashed summarizer's papers are taken over after it.
    summary_claim_seconds: float = Field(30.0, ge=1, le=600)
    # An answer longer than this is cut, visibly: a runaway model must not make a 30 MB README.
    llm_max_answer_chars: int = Field(20_000, ge=100, le=1_000_000)

    arxiv_bot_config: str = "config.json"
    # How long the publisher waits for summaries before it publishes what it has.
    publish_deadline_seconds: float = Field(1800.0, ge=0)
    sweep_interval_seconds: float = Field(15.0, gt=0)

    # Where readers reach the publisher; used for the feeds' self links.
    public_url: str = "http://localhost:8004"
    # Worker processes of `serve publisher` (uvicorn workers; each serves from its own memory cache).
    publisher_workers: int = Field(1, ge=1, le=64)
    # The feeds' history window (the reference's: 100 items, 30 days): a paper stays in a feed while it was
    # in a digest within the last FEED_WINDOW_DAYS days, the newest FEED_WINDOW_ITEMS of them.
    feed_window_items: int = Field(100, ge=1, le=10_000)
    feed_window_days: int = Field(30, ge=1, le=3650)
    # How often a publisher process asks the store whether anything new was published (a one-row query);
    # between checks every request is answered from memory.
    publisher_cache_check_seconds: float = Field(1.0, ge=0, le=3600)

    # The operator's bearer token: POST /fetch and the API's writes need it; without one they are off.
    api_token: SecretStr | None = None
    # A fetch asked for over HTTP while one runs, or within this many seconds of the last one, returns that run.
    fetch_coalesce_seconds: float = Field(300.0, ge=0)
    # A run still "requested" after this long is taken for dead (its fetcher crashed) and no longer coalesces.
    fetch_stale_seconds: float = Field(900.0, gt=0)

    # Loopback by default: a service reachable from elsewhere is a decision (containers set HOST=0.0.0.0).
    host: str = "127.0.0.1"
    port: int | None = None
    log_level: str = "INFO"
    # text for a terminal (and `run --once`); json: one object a line, for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    # On SIGTERM a service stops consuming and lets in-flight messages finish for this long, then requeues the
    # rest; keep it below the orchestrator's kill timeout (Kubernetes terminationGracePeriodSeconds).
    shutdown_grace_seconds: float = Field(20.0, ge=0)

    # Bounds on what comes from outside (issue 5; docs/OPERATIONS.md lists every limit).
    # One outside request whole, connect and every read: HTTP_TIMEOUT only bounds the wait between two reads,
    # so without this a server trickling one byte at a time would hold a run open for ever.
    http_deadline_seconds: float = Field(120.0, gt=0)
    # One download whole, its retries and Retry-After waits included.
    http_total_deadline_seconds: float = Field(300.0, gt=0)
    # Longer LLM answers are cut, with a visible mark; 20,000 characters is several pages of summary.
    llm_max_answer_chars: int = Field(20_000, ge=100)

    def port_for(self, service: str) -> int:
        return self.port or SERVICE_PORTS[service]
