"""Settings from the environment: lists written as commas, and a clear message naming the variable when wrong."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_lists_of_seconds_are_read_from_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRY_DELAYS_SECONDS", "5, 30,120")
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0,60")
    settings = Settings()
    assert settings.retry_delays_seconds == [5.0, 30.0, 120.0]
    assert settings.webhook_retry_schedule == [0.0, 60.0]


@pytest.mark.parametrize("name, value, message", [
    ("RETRY_DELAYS_SECONDS", "5,soon", "RETRY_DELAYS_SECONDS must be comma-separated seconds"),
    ("RETRY_DELAYS_SECONDS", "5,0", "each above 0"),
    ("WEBHOOK_RETRY_SCHEDULE", "10;60", "WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds"),
    ("WEBHOOK_RETRY_SCHEDULE", "10,9999999", "between 0 and 604800"),
    ("LOG_LEVEL", "LOUD", "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
    ("PORT", "99999", "less than or equal to 65535"),
    ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must be a PostgreSQL URL"),
])
def test_a_wrong_list_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                         message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_a_log_level_may_be_written_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", " debug ")
    assert Settings().log_level == "DEBUG"
