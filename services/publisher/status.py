"""A run's outcome as a person reads it on the page: "30 papers", "nothing matched", "fetch failed for cs.DC",
"arXiv made no announcement today". Pure; a status it does not know is shown as it is, never an error."""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.stages import RunStatus

STALE = "stale"  # the fetcher's coming status: arXiv has announced nothing new for longer than expected


def _papers(count: int) -> str:
    if count == 0:
        return "nothing matched"
    return "1 paper" if count == 1 else f"{count} papers"


def failed_feeds(feeds: list[dict[str, Any]], categories: list[str]) -> list[str]:
    """The profile's categories whose feed failed in the run, in the profile's order."""
    failed = {str(f.get("category")) for f in feeds if isinstance(f, dict) and f.get("status") == "error"}
    return [c for c in categories if c in failed]


def status_lines(status: str, feeds: list[dict[str, Any]], categories: list[str], papers: int,
                 announced: date | None) -> list[str]:
    failed = failed_feeds(feeds, categories)
    failure = [f"fetch failed for {', '.join(failed)}"] if failed else []
    if status == RunStatus.EMPTY:
        return ["arXiv made no announcement today"]
    if status == RunStatus.ERROR:
        return failure or ["fetch failed for every feed"]
    if status == STALE:
        return [f"arXiv has not announced since {announced.isoformat()}" if announced
                else "arXiv has not announced lately"]
    if status in (RunStatus.OK, RunStatus.PARTIAL):
        return failure + [_papers(papers)]
    return failure + [f"status: {status}"]
