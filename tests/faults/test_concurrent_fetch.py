"""Two `arxiv-bot fetch` started at the same moment: neither fails nor parks anything, and the papers are
stored once. With the default stale window the second coalesces into the first's run; with a tiny one
(FETCH_STALE_SECONDS) the second takes the first for dead and both fetch at once. arXiv answers them in
lockstep (a barrier per feed), so both store the same new papers at the same moment and race on every key,
which the bulk upsert (INSERT ... ON CONFLICT) settles."""
from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.cli import command
from tests.e2e.deployment import wait_until
from tests.faults.invariants import assert_everything_once, rows, wait_for_everything
from tests.faults.scenario import receiving, world


@pytest.mark.parametrize("stale", ["900", "0.05"], ids=["coalesced", "racing"])
def test_two_fetches_at_the_same_moment_store_each_paper_once(
        stale: str, tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> None:
    # Nothing is killed here, so the summaries' claims can have a lease long enough that a loaded machine never
    # lets one lapse while its holder is still asking (the scenarios' 2 s lease is for the crash tests).
    with world(tmp_path, pg_url, amqp_url, amqp_prefix, feed_delay=0.5, FETCH_STALE_SECONDS=stale,
               SUMMARY_CLAIM_SECONDS="20") as w, receiving(w) as receiver:
        w.subscribe()
        if stale != "900":
            w.arxiv.gate = threading.Barrier(2)

        def start() -> subprocess.Popen:
            return subprocess.Popen([*command(), "fetch"], cwd=tmp_path, env=w.services.env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        fetches = [start()]
        if stale != "900":
            # The second must find the first's run older than the stale window, or it coalesces into it (both
            # started within 50 ms); the barrier still makes their feed answers, and so their stores, coincide.
            wait_until(lambda: rows(w.database, "SELECT id FROM fetch_runs"), 60, "the first fetch's run")
            time.sleep(0.3)
        fetches.append(start())
        results = [(p.wait(timeout=120), *p.communicate()) for p in fetches]
        print(results)
        assert all(code == 0 for code, _, _ in results), results
        runs = rows(w.database, "SELECT id FROM fetch_runs")
        if stale == "900":
            assert len(runs) == 1 and sum("already fetching" in out for _, out, _ in results) == 1
        else:
            # Both fetched the whole day; each paper was new to one of them at least (to both when their
            # transactions overlapped, the race on the key; printed above).
            assert len(runs) == 2 and all("36 papers" in out for _, out, _ in results), results
            print("both saw every paper new (raced on each key):", all("36 new" in out for _, out, _ in results))
        wait_for_everything(w, receiver)
        print(assert_everything_once(w, receiver, runs=len(runs)))
