"""Fault scenarios: the private servers' fixtures, and the seed every random choice derives from."""
from __future__ import annotations

import os

import pytest

from tests.faults.private_servers import private_postgres, private_rabbit  # noqa: F401  (fixtures)


@pytest.fixture
def seed() -> int:
    """FAULT_SEED replays a run's choices (kill points, LLM faults); printed, so a failure shows it."""
    value = int(os.environ.get("FAULT_SEED", "20261129"))
    print(f"FAULT_SEED={value}")
    return value
