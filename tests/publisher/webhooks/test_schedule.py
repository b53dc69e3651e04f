"""Deliveries are decided when a digest is published: once per (subscription, digest) or (subscription, paper)."""
from __future__ import annotations

from shared.models import WebhookDelivery
from shared.runtime import Env
from services.publisher.worker import on_run_scored
from tests.feeds import EMPTY, Item
from tests.publisher.api.store import PAPERS, config, feeds, published_run
from tests.pipeline import scored_run
from tests.publisher.webhooks.subscriptions import deliveries, subscribe


def by(rows: list[WebhookDelivery], subscription_id: str) -> list[WebhookDelivery]:
    return [d for d in rows if d.subscription_id == subscription_id]


async def test_a_published_digest_owes_each_subscription_its_messages(store_env: Env) -> None:
    digest = await subscribe(store_env, "https://example.com/a")
    papers = await subscribe(store_env, "https://example.com/b", per="paper")
    chat = await subscribe(store_env, "https://example.com/c", format_="slack")
    await subscribe(store_env, "https://example.com/d", profile="other")
    await subscribe(store_env, "https://example.com/e", deleted=True)
    scored = await published_run(store_env)
    rows = await deliveries(store_env)
    (one,) = by(rows, digest.id)
    assert one.event == "digest.published" and one.status == "pending" and one.run_id == scored.run_id
    assert one.dedupe_key.startswith("digest:") and one.id.startswith("msg_") and len(one.parts) == 1
    assert one.parts[0]["data"]["papers"][0]["id"] in scored.selected
    assert sorted(d.arxiv_id for d in by(rows, papers.id)) == sorted(scored.selected)
    assert all(d.event == "paper.published" for d in by(rows, papers.id))
    (slack,) = by(rows, chat.id)
    assert "blocks" in slack.parts[0]
    assert len(rows) == 1 + len(scored.selected) + 1  # nothing for the other profile or the deleted one


async def test_a_redelivered_or_unchanged_digest_owes_nothing_more(store_env: Env) -> None:
    await subscribe(store_env, "https://example.com/a")
    await subscribe(store_env, "https://example.com/b", per="paper")
    scored = await published_run(store_env)
    before = await deliveries(store_env)
    await on_run_scored(scored, store_env)  # redelivered message
    await published_run(store_env)  # the same announcement fetched again: the same digest
    assert [d.id for d in await deliveries(store_env)] == [d.id for d in before]
    # One more paper the next day: a new digest for the digest subscriber, one new paper for the other.
    await published_run(store_env, items=PAPERS + [Item("2411.00009", "Sparse LLM kernels", categories=["cs.AI"])])
    after = await deliveries(store_env)
    assert len(after) == len(before) + 2
    new = {d.dedupe_key for d in after} - {d.dedupe_key for d in before}
    assert {key.split(":")[0] for key in new} == {"digest", "paper"} and "paper:2411.00009" in new


async def test_an_empty_day_or_a_paused_subscription(store_env: Env) -> None:
    paused = await subscribe(store_env, "https://example.com/a", active=False, paused_reason="test")
    scored = await scored_run(store_env, config(), {c: EMPTY for c in feeds()})
    await on_run_scored(scored, store_env)
    assert await deliveries(store_env) == []  # no digest, nothing to send
    await published_run(store_env)
    (owed,) = await deliveries(store_env)
    assert owed.subscription_id == paused.id  # kept for when it is resumed
