"""Every status and stage name the store and the messages use, in one place.

They are `StrEnum`s so that they compare equal to the plain strings stored in the database and carried in
message bodies (`RunStatus.OK == "ok"`).
"""
from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """What a fetch run found."""

    RUNNING = "running"  # requested, not fetched yet
    OK = "ok"  # at least one feed had items and none failed
    EMPTY = "empty"  # arXiv made no announcement (weekend, holiday)
    PARTIAL = "partial"  # some feeds failed, others gave items
    ERROR = "error"  # every feed failed
    STALE = "stale"  # arXiv's feed has not moved since the last run (a 304, or the same build and items)


class RunStage(StrEnum):
    """How far a fetch run is: the run as a whole is fetched once and scored once."""

    REQUESTED = "requested"
    FETCHED = "fetched"
    SCORED = "scored"


class ProfileStage(StrEnum):
    """How far one profile's digest of a run is: each step moves it forward once."""

    SCORED = "scored"
    PUBLISHED = "published"


class SummaryStatus(StrEnum):
    """A selected paper's summary outcome in a run (and the state of the summary cache row)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    DISABLED = "disabled"
    NONE = "none"  # not among the papers to summarize


class ProfileOrigin(StrEnum):
    CONFIG = "config"  # imported from config.json at each fetch
    API = "api"  # written through the REST API; config.json no longer overrides it


def status_of(feed_statuses: list[str]) -> RunStatus:
    """A run's status from its feeds' outcomes (ok, empty, stale, error), as a whole or through one profile's
    categories: every feed failed is `error`, some failed is `partial`, new items anywhere is `ok`; otherwise a
    feed that has not moved since the last run makes it `stale`, and no items anywhere is `empty`."""
    errors = feed_statuses.count("error")
    if feed_statuses and errors == len(feed_statuses):
        return RunStatus.ERROR
    if errors:
        return RunStatus.PARTIAL
    if "ok" in feed_statuses:
        return RunStatus.OK
    return RunStatus.STALE if "stale" in feed_statuses else RunStatus.EMPTY
