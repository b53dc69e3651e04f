"""A run's outcome as a person reads it on the page: "30 papers", "nothing matched", "fetch failed for cs.DC",
"arXiv made no announcement today", "arXiv has not announced since 2024-11-28", "cs.XX is not an arXiv
category (check config.json)". Pure; a status it does not know is shown as it is, never an error."""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.stages import RunStatus


def _papers(count: int) -> str:
    if count == 0:
        return "nothing matched"
    return "1 paper" if count == 1 else f"{count} papers"


def failed_feeds(feeds: list[dict[str, Any]], categories: list[str], kind: str | None = None) -> list[str]:
    """The profile's categories whose feed failed in the run (of that kind of failure), in the profile's order."""
    failed = {str(f.get("category")) for f in feeds if isinstance(f, dict) and f.get("status") == "error"
              and f.get("kind") == kind}
    return [c for c in categories if c in failed]


def status_lines(status: str, feeds: list[dict[str, Any]], categories: list[str], papers: int,
                 announced: date | None) -> list[str]:
    failed, unknown = failed_feeds(feeds, categories), failed_feeds(feeds, categories, "configuration")
    # arXiv answering "Feed error for query" is not an outage: the category is misspelt or gone.
    failure = [f"{', '.join(unknown)} {'is not an arXiv category' if len(unknown) == 1 else 'are not arXiv categories'}"
               " (check config.json)"] if unknown else []
    failure += [f"fetch failed for {', '.join(failed)}"] if failed else []
    if status == RunStatus.EMPTY:
        return ["arXiv made no announcement today"]
    if status == RunStatus.ERROR:
        return failure or ["fetch failed for every feed"]
    if status == RunStatus.STALE:
        return [f"arXiv has not announced since {announced.isoformat()}" if announced
                else "arXiv has not announced lately"]
    if status in (RunStatus.OK, RunStatus.PARTIAL):
        return failure + [_papers(papers)]
    return failure + [f"status: {status}"]
