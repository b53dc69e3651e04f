"""The LLM failing 30 % of requests, seeded: 429s (with Retry-After), 500s and answers slower than LLM_TIMEOUT.
Each paper ends summarized once (the model answered it once) or failed with its reason; nothing else changes."""
from __future__ import annotations

from pathlib import Path

from tests.faults.invariants import assert_everything_once, wait_for_everything
from tests.faults.scenario import OK, llm_plan, receiving, world


def test_an_llm_failing_a_third_of_requests_costs_retries_not_summaries(
        seed: int, tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> None:
    plan = llm_plan(seed, 0.3)
    print("LLM plan (first 30):", [fault for fault, _ in plan[:30]])
    with world(tmp_path, pg_url, amqp_url, amqp_prefix, plan=plan) as w, receiving(w) as receiver:
        w.subscribe()
        w.request_fetch()
        wait_for_everything(w, receiver)
        figures = assert_everything_once(w, receiver)
        asked = len(w.llm.requests)
        faults = [fault for fault, _ in plan[:asked] if (fault, _) != OK]
        print(figures, {kind: faults.count(kind) for kind in ("429", "500", "slow")})
        # The plan's faults did happen, and were retried: more requests than papers, every kind met.
        assert asked > figures["summaries_done"] and {"429", "500", "slow"} <= set(faults)
