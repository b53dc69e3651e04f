""".env.example documents every setting: a setting added to Settings without a line there fails here."""
from __future__ import annotations

import re

from shared.settings import Settings
from tests.ops.tooling import ROOT

DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def documented() -> set[str]:
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))


def test_every_setting_is_in_env_example() -> None:
    missing = {name.upper() for name in Settings.model_fields} - documented()
    assert not missing, f"add these to .env.example: {sorted(missing)}"


def test_the_settings_of_the_coming_work_are_listed_too() -> None:
    assert {"API_TOKEN", "API_READ_TOKEN_REQUIRED", "WEBHOOK_ALLOWED_NETWORKS", "FETCH_SCHEDULE", "ARXIV_BASE_URL",
            "ARXIV_API_BASE_URL", "ARXIV_OAI_BASE_URL", "ARXIV_CONTACT", "LOG_FORMAT", "PUBLISHER_WORKERS",
            "SHUTDOWN_GRACE_SECONDS"} <= documented()


def test_the_uncommented_values_are_valid_settings() -> None:
    values = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                  if line and not line.startswith("#"))
    fields = {name.upper() for name in Settings.model_fields}
    settings = Settings(_env_file=None, **{k.lower(): v for k, v in values.items() if k in fields})
    assert settings.log_format == "text" and settings.amqp_prefix == "arxiv_bot"
