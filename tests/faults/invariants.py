"""What every fault scenario asserts at its end, whatever the fault was.

- every paper stored once (and every feed item of every run recorded once);
- every paper a run wanted summarized has one outcome: done (one stored summary, paid for once, in the README)
  or failed with its reason;
- every webhook delivery recorded delivered and accepted by the receiver once (per `webhook-id`);
- the digest published once (one README row, one digest webhook);
- nothing parked on any service's parking queue.
"""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aio_pika
import asyncpg
import httpx

from shared.topology import SERVICES, Topology
from tests.e2e.deployment import wait_until
from tests.faults.scenario import FEED_ITEMS, SELECTED, World, papers
from tests.servers import WebhookReceiver


def rows(url: str, query: str, *args: object) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(url)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()
    return asyncio.run(run())


def parked(amqp_url: str, prefix: str) -> dict[str, int]:
    """Messages waiting on each service's parking queue (a queue never declared holds none)."""
    async def run() -> dict[str, int]:
        topology, counts = Topology(prefix), {}
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            for service in SERVICES:
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(topology.parking_queue(service), passive=True)
                    counts[service] = queue.declaration_result.message_count
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    counts[service] = 0
        return counts
    return asyncio.run(run())


def expected_deliveries(world: World) -> int:
    digests = {r["digest_key"] for r in rows(world.database, "SELECT digest_key FROM run_profiles")}
    return len(world.subscriptions) and len(digests) * (1 + SELECTED)


def settled(world: World, receiver: WebhookReceiver | None) -> bool:
    database = world.database
    runs = rows(database, "SELECT stage FROM fetch_runs")
    if not runs or any(r["stage"] != "scored" for r in runs):
        return False
    profiles = rows(database, "SELECT stage, digest_key FROM run_profiles")
    if len(profiles) < len(runs) or any(p["stage"] != "published" for p in profiles):
        return False
    deliveries = rows(database, "SELECT status FROM webhook_deliveries")
    if len(deliveries) < expected_deliveries(world) or any(d["status"] != "delivered" for d in deliveries):
        return False
    return receiver is None or len(receiver.successes_per_id()) >= len(deliveries)


def wait_for_everything(world: World, receiver: WebhookReceiver | None, timeout: float = 120) -> None:
    wait_until(lambda: settled(world, receiver), timeout, "every run published and every webhook delivered")


def assert_everything_once(world: World, receiver: WebhookReceiver | None, *, runs: int = 1,
                           extra_answers: int = 0, repeated_webhooks: int = 0) -> dict[str, int]:
    """The end state every scenario must reach. `extra_answers`: LLM answers a crash may have lost after they
    arrived (a SIGKILLed summarizer's calls in flight), so the paper was paid for again; `repeated_webhooks`:
    deliveries a SIGKILLed publisher may have sent without recording them (the receiver then sees the same
    `webhook-id` again, as Standard Webhooks allows, and deduplicates on it). Returns figures for the log."""
    database, expected = world.database, papers()
    stored = rows(database, "SELECT arxiv_id FROM papers ORDER BY arxiv_id")
    assert [r["arxiv_id"] for r in stored] == sorted(i.id for i in expected)

    fetch_runs = rows(database, "SELECT id, stage, status FROM fetch_runs")
    assert len(fetch_runs) == runs, fetch_runs
    for run in fetch_runs:
        assert run["stage"] == "scored" and run["status"] == "ok", run
        items = rows(database, "SELECT arxiv_id, feed_category FROM run_items WHERE run_id = $1", run["id"])
        assert len(items) == FEED_ITEMS == len({(i["arxiv_id"], i["feed_category"]) for i in items})

    done_titles: set[str] = set()
    for run in fetch_runs:
        (profile,) = rows(database, "SELECT * FROM run_profiles WHERE run_id = $1", run["id"])
        assert profile["stage"] == "published" and profile["selected"] == SELECTED, profile
        to_summarize = profile["to_summarize"]
        wanted = set(json.loads(to_summarize) if isinstance(to_summarize, str) else to_summarize)
        outcomes = rows(database, """
            SELECT r.arxiv_id, r.status, s.status AS stored, s.text, s.error, p.title FROM run_summaries r
            JOIN papers p ON p.arxiv_id = r.arxiv_id
            LEFT JOIN summaries s ON s.arxiv_id = r.arxiv_id AND s.version = r.version AND s.model = r.model
                 AND s.prompt_hash = r.prompt_hash AND s.language = r.language AND s.source = r.source
            WHERE r.run_id = $1""", run["id"])
        assert {o["arxiv_id"] for o in outcomes} == wanted and len(outcomes) == len(wanted)
        for outcome in outcomes:
            if outcome["status"] == "done":
                assert outcome["stored"] == "done" and outcome["text"], outcome
                done_titles.add(outcome["title"])
            else:
                assert outcome["status"] == "failed" and outcome["error"], outcome
    assert not rows(database, "SELECT arxiv_id FROM summaries WHERE status = 'done' "
                              "GROUP BY arxiv_id, version, model, prompt_hash, language HAVING count(*) > 1")

    answers = world.answers_per_title()
    assert set(done_titles) <= set(answers), "a done summary the model never answered"
    repeated = {t: n for t, n in answers.items() if n > 1}
    assert sum(n - 1 for n in repeated.values()) <= extra_answers, f"papers paid for more than once: {repeated}"

    readmes = rows(database, "SELECT content FROM publications WHERE name = 'README.md'")
    assert len(readmes) == 1, f"{len(readmes)} READMEs published"
    readme = readmes[0]["content"]
    assert len(re.findall(r"\*\*ArXiv ID\*\*", readme)) == SELECTED
    assert readme.count("AI Summary") == len(done_titles)
    served = httpx.get(world.services.url("publisher") + "/readme", timeout=10)
    assert served.status_code == 200 and served.text == readme

    deliveries = rows(database, "SELECT id, status, event FROM webhook_deliveries")
    if world.subscriptions:
        assert len(deliveries) == expected_deliveries(world) == 1 + SELECTED
        assert sum(d["event"] == "digest.published" for d in deliveries) == 1
        assert all(d["status"] == "delivered" for d in deliveries)
        assert receiver is not None
        accepted = receiver.successes_per_id()
        assert set(accepted) == {d["id"] for d in deliveries}, "a delivery the receiver never accepted"
        again = sum(n - 1 for n in accepted.values())
        assert again <= repeated_webhooks, f"deliveries accepted more than once: {accepted}"

    assert parked(world.services.env["AMQP_URL"], world.services.env["AMQP_PREFIX"]) == dict.fromkeys(SERVICES, 0)
    return {"llm_requests": len(world.llm.requests), "llm_answers": sum(answers.values()),
            "summaries_done": len(done_titles), "webhook_requests": len(receiver.requests) if receiver else 0}
