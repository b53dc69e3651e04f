"""A run's outcome as the page says it."""
from __future__ import annotations

from datetime import date

import pytest

from services.publisher.status import status_lines

FEEDS = [{"category": "cs.AI", "status": "ok"}, {"category": "cs.DC", "status": "error", "error": "HTTP 503"},
         {"category": "math.AG", "status": "error"}]


@pytest.mark.parametrize("status, papers, lines", [
    ("ok", 30, ["30 papers"]), ("ok", 1, ["1 paper"]), ("ok", 0, ["nothing matched"]),
    ("partial", 12, ["fetch failed for cs.DC", "12 papers"]),
    ("empty", 0, ["arXiv made no announcement today"]),
    ("error", 0, ["fetch failed for cs.DC"]),
    ("stale", 0, ["arXiv has not announced since 2024-11-28"]),
    ("resting", 0, ["fetch failed for cs.DC", "status: resting"]),  # unknown: shown, not an error
])
def test_status_lines(status: str, papers: int, lines: list[str]) -> None:
    # Only the profile's own categories count: math.AG failing is another profile's business.
    feeds = FEEDS if status in ("partial", "error", "resting") else FEEDS[:1]
    assert status_lines(status, feeds, ["cs.AI", "cs.DC"], papers, date(2024, 11, 28)) == lines


def test_odd_feed_records_do_not_break_it() -> None:
    assert status_lines("error", [None, {"status": "error"}, "x"], ["cs.AI"], 0, None) == [  # type: ignore[list-item]
        "fetch failed for every feed"]
    assert status_lines("stale", [], ["cs.AI"], 0, None) == ["arXiv has not announced lately"]


def test_an_unknown_category_is_named_as_a_configuration_error_not_an_outage() -> None:
    feeds = [{"category": "cs.AI", "status": "ok"},
             {"category": "cs.XX", "status": "error", "kind": "configuration", "error": "configuration error: ..."},
             {"category": "cs.DC", "status": "error", "error": "HTTP 503"}]
    assert status_lines("partial", feeds, ["cs.AI", "cs.XX", "cs.DC"], 3, None) == [
        "cs.XX is not an arXiv category (check config.json)", "fetch failed for cs.DC", "3 papers"]
    assert status_lines("error", feeds[1:2], ["cs.XX"], 0, None) == [
        "cs.XX is not an arXiv category (check config.json)"]
