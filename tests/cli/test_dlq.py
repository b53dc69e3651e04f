"""`arxiv-bot dlq` against the real broker: a parked message is listed with its reason, replayed to the service
that parked it alone, and handled once."""
from __future__ import annotations

import asyncio
from pathlib import Path

from shared.messages import Message, RunFetched
from shared.runtime import Env
from shared.service import ServiceRuntime
from tests.conftest import settings_for
from tests.e2e.cli import arxiv_bot, child_env
from tests.shared.test_messaging import fetched, queue_depth, wait_for


async def dlq(tmp_path: Path, amqp_url: str, prefix: str, *args: str):  # noqa: ANN201
    env = child_env(AMQP_URL=amqp_url, AMQP_PREFIX=prefix)
    return await asyncio.to_thread(arxiv_bot, "dlq", *args, cwd=tmp_path, env=env, timeout=60)


async def test_a_parked_message_is_listed_replayed_to_its_service_only_and_handled_once(
        tmp_path: Path, pg_env: Env, amqp_url: str, amqp_prefix: str) -> None:
    handled: list[Message] = []
    broken = {"yes": True}

    async def handler(message: Message, env: Env) -> None:
        if broken["yes"]:
            raise ValueError("the store refused it")
        handled.append(message)

    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix,
                            retry_delays_seconds=[0.1])
    scorer = ServiceRuntime("scorer", settings, {RunFetched.routing_key: handler})
    # A second service bound to the same key: a replay through the events exchange would reach it too.
    bystander_calls: list[Message] = []

    async def bystander_handler(message: Message, env: Env) -> None:
        bystander_calls.append(message)

    bystander = ServiceRuntime("publisher", settings, {RunFetched.routing_key: bystander_handler})
    await scorer.start()
    await bystander.start()
    try:
        await scorer.broker.publish(RunFetched.routing_key, fetched().encode(), "parked-one")
        parked = scorer.broker.topology.parking_queue("scorer")
        await wait_for(lambda: asyncio.sleep(0, result=len(bystander_calls) == 1))
        await wait_for(lambda: _depth(amqp_url, parked, 1))

        listed = await dlq(tmp_path, amqp_url, amqp_prefix, "list", "scorer")
        assert listed.returncode == 0, listed.stderr
        assert "parked-one" in listed.stdout and "run.fetched" in listed.stdout
        assert "ValueError: the store refused it" in listed.stdout
        assert await queue_depth(amqp_url, parked) == 1  # listing took nothing away
        shown = await dlq(tmp_path, amqp_url, amqp_prefix, "show", "scorer", "parked-one")
        assert '"run_id": "rrrr' in shown.stdout and "attempts:   2" in shown.stdout

        broken["yes"] = False
        replayed = await dlq(tmp_path, amqp_url, amqp_prefix, "replay", "scorer", "parked-one")
        assert replayed.returncode == 0 and "1 message(s) replayed to scorer" in replayed.stdout
        await wait_for(lambda: asyncio.sleep(0, result=len(handled) == 1))
        await asyncio.sleep(0.5)
    finally:
        await scorer.stop()
        await bystander.stop()
    assert len(handled) == 1 and len(bystander_calls) == 1  # the bystander saw the original only
    assert await queue_depth(amqp_url, parked) == 0


async def test_unknown_ids_and_an_empty_lot_are_clear(tmp_path: Path, pg_env: Env, amqp_url: str,
                                                      amqp_prefix: str) -> None:
    settings = settings_for(pg_env.settings.database_url, amqp_url=amqp_url, amqp_prefix=amqp_prefix)
    scorer = ServiceRuntime("scorer", settings, {RunFetched.routing_key: lambda m, e: asyncio.sleep(0)})
    await scorer.start()
    await scorer.stop()
    listed = await dlq(tmp_path, amqp_url, amqp_prefix, "list", "scorer")
    assert listed.returncode == 0 and "nothing parked" in listed.stdout
    missing = await dlq(tmp_path, amqp_url, amqp_prefix, "replay", "scorer", "nope")
    assert missing.returncode == 2 and "not parked by scorer: nope" in missing.stderr
    never = await dlq(tmp_path, amqp_url, amqp_prefix + "x", "list", "summarizer")
    assert never.returncode == 2 and "has the summarizer ever run" in never.stderr


async def _depth(url: str, queue: str, expected: int) -> bool:
    return await queue_depth(url, queue) == expected
