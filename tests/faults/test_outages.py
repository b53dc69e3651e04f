"""The broker and the database restarted mid-run: the services notice (/readyz goes 503), reconnect by
themselves (/readyz 200 again), and the run ends with everything done once and nothing parked.

Both servers are private to the test (tests/faults/private_servers.py): the shared ones serve other tests.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from shared.db import migrate
from shared.topology import SERVICES
from tests.e2e.cli import arxiv_bot
from tests.e2e.deployment import wait_until
from tests.faults.invariants import assert_everything_once, wait_for_everything
from tests.faults.private_servers import PrivatePostgres, PrivateRabbit
from tests.faults.scenario import World, receiving, world
from tests.servers import WebhookReceiver


def readiness(w: World) -> dict[str, int]:
    return {service: w.readiness(service) for service in SERVICES}


def nothing_parked_says_the_dlq(w: World) -> None:
    for service in SERVICES:
        listing = arxiv_bot("dlq", "list", service, cwd=w.services.workdir, env=w.services.env)
        assert listing.returncode == 0 and listing.stdout.strip() == "nothing parked", (service, listing)


def outage_mid_run(w: World, receiver: WebhookReceiver, stop: Callable[[], None], start: Callable[[], None]) -> None:
    """Fetch, and once summaries are under way stop a server: every service says it is not ready; start it
    again: every service is ready again by itself, and the run ends with everything once and nothing parked."""
    w.subscribe()
    w.request_fetch()
    wait_until(lambda: len(w.llm.requests) >= 1, 120, "the summaries to be under way")  # fetched, scored
    stop()
    wait_until(lambda: all(code == 503 for code in readiness(w).values()), 30, "every service not ready")
    time.sleep(1)
    start()
    wait_until(lambda: all(code == 200 for code in readiness(w).values()), 60, "every service ready again")
    wait_for_everything(w, receiver)
    print(assert_everything_once(w, receiver))
    nothing_parked_says_the_dlq(w)


def test_a_rabbitmq_restart_mid_run_is_reported_and_survived(
        tmp_path: Path, pg_url: str, private_rabbit: PrivateRabbit) -> None:
    with world(tmp_path, pg_url, private_rabbit.url, "faults", llm_delay=0.5) as w, receiving(w) as receiver:
        outage_mid_run(w, receiver, private_rabbit.stop_app, private_rabbit.start_app)


def test_a_postgresql_restart_mid_run_is_reported_and_survived(
        tmp_path: Path, amqp_url: str, amqp_prefix: str, private_postgres: PrivatePostgres) -> None:
    import asyncpg

    async def create() -> None:
        admin = await asyncpg.connect(private_postgres.admin_url)
        await admin.execute("CREATE DATABASE faults")
        await admin.close()
        await migrate(private_postgres.url("faults"))
    asyncio.run(create())
    with world(tmp_path, private_postgres.url("faults"), amqp_url, amqp_prefix, llm_delay=0.5) as w, \
            receiving(w) as receiver:
        outage_mid_run(w, receiver, private_postgres.stop_now, private_postgres.start_again)
