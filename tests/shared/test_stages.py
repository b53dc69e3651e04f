"""A run's status from its feeds' outcomes (shared/stages.py)."""
from __future__ import annotations

import pytest

from shared.stages import RunStatus, status_of


@pytest.mark.parametrize("feeds, status", [
    (["ok", "empty"], RunStatus.OK),
    (["ok", "stale"], RunStatus.OK),  # a category added since the last run: its items are new
    (["stale", "stale"], RunStatus.STALE),
    (["stale", "empty"], RunStatus.STALE),
    (["empty", "empty"], RunStatus.EMPTY),
    ([], RunStatus.EMPTY),
    (["stale", "error"], RunStatus.PARTIAL),
    (["error", "error"], RunStatus.ERROR),
])
def test_status_of(feeds: list[str], status: RunStatus) -> None:
    assert status_of(feeds) == status


def test_stale_is_stored_and_sent_as_its_plain_word() -> None:
    assert RunStatus.STALE == "stale"
