"""Crash safety per stage: each service SIGKILLed at seeded random points of a run, three times in a row, and
restarted each time; the run still ends with everything done once.

A kill point is "once the service has work in hand, plus a random delay": the fetcher once a feed request
reached arXiv, the summarizer once a request reached the model, the scorer once a run waits to be scored,
the publisher once a digest waits to be published or a webhook to be delivered. A stage that finished
before the next kill is killed idle, which is a point of a run too.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.topology import SERVICES
from tests.faults.invariants import assert_everything_once, rows, wait_for_everything
from tests.faults.scenario import World, receiving, world

KILLS = 3
# Seconds after the service had work in hand: about one request's time to the slow outside (0.3 s a feed or
# an answer), a summarizer's batch (three answers at once), a publication and its webhooks.
WINDOW = {"fetcher": 0.6, "scorer": 0.3, "summarizer": 0.9, "publisher": 1.5}


def has_work(service: str, w: World) -> Callable[[], bool]:
    """A check that becomes true once `service` has work in hand from now on."""
    feeds, asked = len(w.arxiv.requests), len(w.llm.requests)
    return {
        "fetcher": lambda: len(w.arxiv.requests) > feeds,
        "scorer": lambda: bool(rows(w.database, "SELECT 1 FROM fetch_runs WHERE stage = 'fetched'")),
        "summarizer": lambda: len(w.llm.requests) > asked,
        "publisher": lambda: bool(rows(w.database, "SELECT 1 FROM run_profiles WHERE stage = 'scored' UNION ALL "
                                                   "SELECT 1 FROM webhook_deliveries WHERE status = 'pending'")),
    }[service]


def wait_briefly(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_killed_three_times_mid_run_loses_nothing_and_repeats_nothing(
        service: str, seed: int, tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> None:
    rng = random.Random(f"{seed}-kill-{service}")
    with world(tmp_path, pg_url, amqp_url, amqp_prefix, llm_delay=0.5) as w, receiving(w) as receiver:
        w.subscribe()
        w.request_fetch()
        points = []
        for _ in range(KILLS):
            busy = wait_briefly(has_work(service, w), 10)
            after, down = rng.uniform(0.0, WINDOW[service]), rng.uniform(0.0, 0.5)
            time.sleep(after)
            w.services.kill(service)
            points.append(f"{'busy' if busy else 'idle'} +{after:.2f}s (down {down:.2f}s)")
            time.sleep(down)
            w.services.start(service)
        print(f"SIGKILLed the {service}: {'; '.join(points)}")
        wait_for_everything(w, receiver, timeout=300)
        # A summarizer's calls in flight at a kill (max_workers = 3) may be asked again; a publisher's
        # deliveries in flight (WEBHOOK_CONCURRENCY = 8) may be sent again with the same webhook-id.
        figures = assert_everything_once(w, receiver, extra_answers=3 * KILLS if service == "summarizer" else 0,
                                         repeated_webhooks=8 * KILLS if service == "publisher" else 0)
        print(figures)
