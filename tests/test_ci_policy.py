"""With CI=true a missing PostgreSQL or RabbitMQ fails the tests that need it; elsewhere they skip."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDS_BOTH = ["tests/shared/test_db.py::test_migrations_match_the_models_on_postgresql",
              "tests/shared/test_messaging.py::test_a_published_message_waits_durably_in_each_bound_queue"]


def run_with_services_missing(ci: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:1/postgres",
               TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:1/")
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *NEEDS_BOTH],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci, outcome", [("true", "2 errors"), (None, "2 skipped")])
def test_missing_services_fail_in_ci_and_skip_elsewhere(ci: str | None, outcome: str) -> None:
    result = run_with_services_missing(ci)
    assert outcome in result.stdout, result.stdout[-2000:]
    assert (result.returncode != 0) == (ci == "true")
