"""Process settings: where the database, broker, arXiv and the LLM live.

Everything here comes from the environment (or a `.env` file), never from config.json: config.json says
*what* a researcher follows, settings say *where* this deployment runs. Build one with `Settings()`; nothing
is read at import time.
"""
from __future__ import annotations

import ipaddress
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+asyncpg://", "sqlite://", "sqlite+aiosqlite://")
SERVICE_PORTS = {"fetcher": 8001, "scorer": 8002, "summarizer": 8003, "publisher": 8004}


def _seconds(value: object, name: str, example: str) -> object:
    """A list of seconds written in the environment as `5,30,120`; a list given in code passes as it is."""
    if not isinstance(value, str):
        return value
    try:
        return [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated seconds, e.g. {example}") from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # None means "the embedded default": a SQLite file for `run --once`, an error for `serve`.
    database_url: str | None = None
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Prefix of every exchange and queue name, so several deployments (or test runs) share one broker.
    amqp_prefix: str = "arxiv_bot"
    prefetch: int = Field(8, ge=1)
    # A failed message is retried after each of these delays in turn (5 s, 30 s, 2 min, 10 min), then parked.
    retry_delays_seconds: Annotated[list[float], NoDecode] = Field(default_factory=lambda: [5.0, 30.0, 120.0, 600.0])
    # One message's handler, whatever it waits on: below RabbitMQ's 30-minute consumer timeout.
    handler_timeout_seconds: float = Field(1200.0, gt=0, le=1700)

    arxiv_rss_base_url: str = "https://rss.arxiv.org/rss/"
    # rss: one request per category (arXiv's RSS 2.0 feed); atom: one request for all of them, joined with "+".
    arxiv_feed_format: Literal["rss", "atom"] = "rss"
    arxiv_atom_base_url: str = "https://rss.arxiv.org/atom/"
    # Sent in the User-Agent ("mailto:..."): arXiv asks robots to say whom to contact.
    arxiv_contact: str = ""
    # Pause between two requests to one arXiv host (requests to a host never overlap): feeds, and the export
    # API / OAI-PMH (arXiv asks for 3 s there).
    arxiv_min_delay_seconds: float = Field(1.0, ge=0, le=600)
    arxiv_api_min_delay_seconds: float = Field(3.0, ge=0, le=600)
    # When the fetcher service fetches by itself: 5-field cron (minute hour day month weekday) in
    # FETCH_TIMEZONE. Default: 20:30 US Eastern, Sunday to Thursday, shortly after arXiv's announcement.
    # Empty: no schedule (fetch on demand only).
    fetch_schedule: str = "30 20 * * 0-4"
    fetch_timezone: str = "America/New_York"
    # Where papers' full texts are read for summaries: <base>/html/<id>v<n>, else <base>/pdf/<id>v<n>.
    arxiv_base_url: str = "https://arxiv.org"
    # The export API (lookups by id, searches with paging; enriches papers) and OAI-PMH (the bulk backfill).
    arxiv_api_base_url: str = "https://export.arxiv.org/api/query"
    arxiv_oai_base_url: str = "https://oaipmh.arxiv.org/oai"
    # OAI-PMH's 503 with Retry-After is flow control, not a failure: waited for, up to this long in total for
    # one page (beyond it the page fails as any download does).
    arxiv_oai_max_wait_seconds: float = Field(600.0, ge=0, le=86_400)
    # After each fetch run the fetcher service asks the export API for the comments, journal reference and DOI
    # of the run's papers that have none yet: at most this many papers (100 per request, ARXIV_API_MIN_DELAY_
    # SECONDS apart), given up after this long; its failure is logged and never fails the fetch. Off: false.
    enrich_after_fetch: bool = True
    enrich_max_papers: int = Field(200, ge=0, le=10_000)
    enrich_deadline_seconds: float = Field(60.0, gt=0, le=3600)
    http_timeout: float = 30.0
    http_retries: int = Field(3, ge=0)
    # A real day's all-archives feed is 2.8 MB; anything far beyond that is not a feed.
    max_feed_bytes: int = 32 * 1024 * 1024

    # Override config.json's ai_summary.base_url / the key named by ai_summary.api_key_env.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    # One request to the model (a retry starts a new one).
    llm_timeout: float = Field(120.0, gt=0)
    # Retries after a 429, a 5xx, a timeout or a dropped connection; the wait doubles each time (with jitter)
    # from llm_backoff_seconds up to llm_max_backoff_seconds, or is what the provider's Retry-After says.
    llm_retries: int = Field(2, ge=0, le=20)
    llm_backoff_seconds: float = Field(2.0, ge=0, le=600)
    llm_max_backoff_seconds: float = Field(60.0, ge=0, le=600)
    # The whole of one summary request, retries included: a model that trickles its answer cannot hold a
    # message past the broker's consumer timeout (30 min by default).
    llm_deadline_seconds: float = Field(300.0, gt=0, le=1500)
    # How long a claim on a summary lasts without renewal: a crashed summarizer's papers are taken over after it.
    summary_claim_seconds: float = Field(30.0, ge=1, le=600)
    # An answer longer than this is cut, visibly: a runaway model must not make a 30 MB README.
    llm_max_answer_chars: int = Field(20_000, ge=100, le=1_000_000)

    # Full texts are untrusted downloads: bounded in size and time, parsed with limits. arXiv caps submissions
    # at 50 MB; its HTML pages are rarely above a few MB (inline SVG figures make the largest ones).
    fulltext_max_html_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    fulltext_max_pdf_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    fulltext_timeout_seconds: float = Field(120.0, gt=0, le=1500)
    # Downloads from arXiv at once in one process: arXiv asks robots to go slowly.
    fulltext_concurrency: int = Field(4, ge=1, le=64)
    # Pages and characters read from one paper: far beyond any token budget, short of a hostile file's size.
    fulltext_max_pages: int = Field(300, ge=1, le=10_000)
    fulltext_max_chars: int = Field(2_000_000, ge=10_000, le=50_000_000)

    arxiv_bot_config: str = "config.json"
    # How long the publisher waits for summaries before it publishes what it has.
    publish_deadline_seconds: float = Field(1800.0, ge=0)
    sweep_interval_seconds: float = Field(15.0, gt=0)

    # Sent outbox rows and superseded renderings are deleted after this many days (the newest of each day stays).
    outbox_retention_days: float = Field(7.0, gt=0)
    publication_retention_days: float = Field(30.0, gt=0)

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

    # The REST API (/api/v1): reads are public unless this is set; writes always need API_TOKEN.
    api_read_token_required: bool = False
    # Request bodies larger than this are refused with a 413 before they are read.
    max_request_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)

    # Webhooks. Targets on loopback, private, link-local, multicast, reserved and metadata addresses are refused
    # unless they fall in one of these networks (comma-separated CIDRs, e.g. "10.1.0.0/16,127.0.0.0/8").
    webhook_allowed_networks: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = Field(
        default_factory=list)
    # One HTTP request to a receiver (connect, send, wait for the answer); a slow receiver is a failed attempt.
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=120)
    # Waits before each retry of a failed delivery (comma-separated seconds); after the last one it is given up.
    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0])
    # Each wait is stretched or shrunk by up to this fraction, so receivers coming back are not hit all at once.
    webhook_retry_jitter: float = Field(0.2, ge=0, le=1)
    # A subscription whose attempts failed this many times in a row is paused until a PATCH resumes it.
    webhook_pause_after_failures: int = Field(10, ge=1, le=10_000)
    # Deliveries one publisher sends at once (and claims at a time).
    webhook_concurrency: int = Field(8, ge=1, le=100)

    # Loopback by default: a service reachable from elsewhere is a decision (containers set HOST=0.0.0.0).
    host: str = "127.0.0.1"
    port: int | None = Field(None, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # text for a terminal (and `run --once`); json: one object a line, for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    # On SIGTERM a service stops consuming and lets in-flight messages finish for this long, then requeues the
    # rest; keep it below the orchestrator's kill timeout (Kubernetes terminationGracePeriodSeconds).
    shutdown_grace_seconds: float = Field(20.0, ge=0)
    # At start a service (and `arxiv-bot fetch`) waits this long for RabbitMQ and PostgreSQL to answer, one log
    # line an attempt, instead of failing at once: started together, they come up in any order. Below the
    # Kubernetes startupProbe's 120 s; 0 fails at once.
    startup_wait_seconds: float = Field(90.0, ge=0, le=3600)

    # Bounds on what comes from outside (issue 5; docs/OPERATIONS.md lists every limit).
    # One outside request whole, connect and every read: HTTP_TIMEOUT only bounds the wait between two reads,
    # so without this a server trickling one byte at a time would hold a run open for ever.
    http_deadline_seconds: float = Field(120.0, gt=0)
    # One download whole, its retries and Retry-After waits included.
    http_total_deadline_seconds: float = Field(300.0, gt=0)
    # Longer LLM answers are cut, with a visible mark; 20,000 characters is several pages of summary.
    llm_max_answer_chars: int = Field(20_000, ge=100)

    @field_validator("fetch_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"FETCH_TIMEZONE {value!r} is not an IANA time zone (e.g. America/New_York)") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value and not value.startswith(DATABASE_SCHEMES):
            raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:5432/name) or a SQLite "
                             "one (sqlite:///path/to/file.db)")
        return value

    @field_validator("retry_delays_seconds", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _seconds(value, "RETRY_DELAYS_SECONDS", "5,30,120,600")

    @field_validator("retry_delays_seconds")
    @classmethod
    def _sane_delays(cls, value: list[float]) -> list[float]:
        if not value or len(value) > 10 or any(not 0 < d <= 86_400 for d in value):
            raise ValueError("1 to 10 delays, each above 0 and at most a day")
        return value

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
            except ValueError as exc:
                raise ValueError(f"WEBHOOK_ALLOWED_NETWORKS must be comma-separated CIDRs: {exc}") from None
        return value

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _schedule(cls, value: object) -> object:
        value = _seconds(value, "WEBHOOK_RETRY_SCHEDULE", "10,60,300")
        if isinstance(value, list) and any(not 0 <= float(v) <= 7 * 86400 for v in value):
            raise ValueError("each WEBHOOK_RETRY_SCHEDULE wait must be between 0 and 604800 seconds")
        return value

    def port_for(self, service: str) -> int:
        return self.port or SERVICE_PORTS[service]
