"""The paper store: SQLModel tables shared by every service, one module per area.

Keys are natural wherever possible (arXiv id, (run, profile, paper), (paper, version, model, prompt)) so a
redelivered message finds its effect already there instead of writing it twice.
"""
from shared.models.backfill import BackfillState
from shared.models.base import utcnow
from shared.models.embeddings import PaperEmbedding
from shared.models.feeds import FeedItem
from shared.models.outbox import Lock, OutboxMessage
from shared.models.papers import Paper
from shared.models.profiles import Profile, ProfileVersion
from shared.models.publications import Publication
from shared.models.runs import FetchRun, RunItem, RunProfile, Score
from shared.models.search import PAPERS_FTS, PaperSearch
from shared.models.summaries import RunSummary, Summary, SummaryClaim
from shared.models.versions import FeedState, PaperVersion
from shared.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = ["PAPERS_FTS", "BackfillState", "FeedItem", "FeedState", "FetchRun", "Lock", "OutboxMessage", "Paper",
           "PaperEmbedding", "PaperSearch", "PaperVersion", "Profile", "ProfileVersion", "Publication", "RunItem",
           "RunProfile", "RunSummary", "Score", "Summary", "SummaryClaim", "WebhookAttempt", "WebhookDelivery",
           "WebhookSubscription", "utcnow"]
