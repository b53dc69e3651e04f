"""The one place that speaks SQL. Services get a Repository bound to a session (one transaction).

It is assembled from one mixin per area so each stays small; they all share `self.session`.
"""
from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.repository.api import ApiQueries
from shared.repository.backfill import BackfillQueries
from shared.repository.embeddings import EmbeddingQueries
from shared.repository.feeds import FeedQueries
from shared.repository.outbox import OutboxQueries
from shared.repository.papers import PaperQueries
from shared.repository.profiles import ProfileQueries
from shared.repository.publications import PublicationQueries
from shared.repository.runs import RunQueries
from shared.repository.search import SearchQueries
from shared.repository.summaries import SummaryQueries
from shared.repository.versions import VersionQueries
from shared.repository.webhooks import WebhookQueries


class Repository(PaperQueries, VersionQueries, RunQueries, ProfileQueries, SummaryQueries, PublicationQueries,
                 FeedQueries, OutboxQueries, WebhookQueries, ApiQueries, EmbeddingQueries, BackfillQueries,
                 SearchQueries):
    def __init__(self, session: AsyncSession):
        self.session = session

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)


__all__ = ["Repository"]
