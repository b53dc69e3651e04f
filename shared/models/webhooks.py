"""Webhook subscriptions, the deliveries decided when a digest is published, and every attempt to send one."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.models.base import timestamp


class WebhookSubscription(SQLModel, table=True):
    """Where one profile's digests (or papers) go, in which format. `origin` says who owns it: the API, or
    config.json's `webhooks` in the one-process mode (whose secret stays in the environment: `secret_env`)."""

    __tablename__ = "webhook_subscriptions"

    id: str = Field(primary_key=True, max_length=40)
    url: str = Field(sa_column=Column(Text, nullable=False))
    profile: str = Field(max_length=40, index=True)
    format: str = Field(max_length=16)  # json | slack | discord | feishu
    per: str = Field(max_length=16)  # digest | paper
    origin: str = Field(max_length=16)  # api | config
    # Standard Webhooks signing key, "whsec_<base64>"; None with secret_env (read at send time) or unsigned.
    secret: str | None = Field(default=None, max_length=128)
    secret_env: str | None = Field(default=None, max_length=128)
    # The signing secret a Feishu custom bot shows when "signature verification" is on (Feishu makes it).
    feishu_secret: str | None = Field(default=None, max_length=256)
    active: bool = True
    deleted: bool = False
    consecutive_failures: int = 0
    paused_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=timestamp())
    updated_at: datetime = Field(sa_column=timestamp())


class WebhookDelivery(SQLModel, table=True):
    """One message (or several parts of one, for chat platforms' size limits) owed to one subscription.

    Created in the transaction that publishes the digest; the unique (subscription, key) makes a redelivered
    message or a crash-and-retry find it there instead of creating a second one. Its id is the `webhook-id`
    header, the same on every retry, so receivers can deduplicate."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "dedupe_key", name="uq_webhook_deliveries_key"),
                      Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at"))

    id: str = Field(primary_key=True, max_length=40)
    subscription_id: str = Field(foreign_key="webhook_subscriptions.id", max_length=40)
    dedupe_key: str = Field(max_length=96)  # digest:<digest key> | paper:<arXiv id>
    event: str = Field(max_length=32)  # digest.published | paper.published
    run_id: str = Field(foreign_key="fetch_runs.id", max_length=32)
    profile: str = Field(max_length=40)
    arxiv_id: str | None = Field(default=None, max_length=64)
    # The bodies to send, in order; rendered once, so every retry sends the same bytes.
    parts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    parts_sent: int = 0
    status: str = Field(max_length=16)  # DeliveryStatus: pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Who holds the current attempt: a worker records its result only while its lease is the current one.
    lease: str | None = Field(default=None, max_length=32)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=timestamp())
    delivered_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Once delivered or failed, and older than the retention, `parts` keeps one empty object per body sent.
    parts_pruned_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class WebhookAttempt(SQLModel, table=True):
    """The delivery log: one row per HTTP request sent (a part of a split digest is a request of its own)."""

    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(foreign_key="webhook_deliveries.id", max_length=40, index=True)
    attempt: int
    part: int = 0
    started_at: datetime = Field(sa_column=timestamp())
    ok: bool = False
    status_code: int | None = None
    latency_ms: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
