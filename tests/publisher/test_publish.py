"""Publishing on a real store: once per content, never an empty day over a good digest, deadline honoured."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from shared.config import BotConfig
from shared.messages import PaperSummarized
from shared.models import Publication, RunProfile
from shared.runtime import Env
from services.publisher.publish import FEED, README, category_feed, publish_profile
from services.publisher.worker import on_paper_summarized, on_run_scored, publish_overdue
from services.summarizer.worker import on_summary_requested
from tests.feeds import EMPTY, Item, feed
from tests.pipeline import emitted, scored_run, summarize_run
from tests.servers import FakeLLM

# README, the reference's RSS and one per category, RSS/Atom/JSON whole and per category, the day, the page.
PER_DIGEST = 1 + 3 + 3 * 3 + 2
ITEMS = [Item("2411.00001", "Sparse attention", "Sparse.", categories=["cs.AI", "cs.LG"]),
         Item("2411.00002", "Sparse kernels", "Fast sparse.", categories=["cs.DC"])]


def config(summaries: bool = False) -> BotConfig:
    cfg = BotConfig(categories=["cs.AI", "cs.DC"], keywords=["Sparse", "Fast"], days_back=3650, min_score=0)
    cfg.ai_summary.enabled = summaries
    cfg.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    return cfg


async def publications(env: Env) -> list[Publication]:
    async with env.sessions() as session:
        return list(await session.exec(select(Publication).order_by(Publication.id)))


async def stage(env: Env, run_id: str, profile: str = "default") -> str:
    async with env.sessions() as session:
        return (await session.get(RunProfile, (run_id, profile))).stage


async def test_a_run_without_summaries_publishes_readme_and_feeds_at_once(store_env: Env) -> None:
    feeds = {"cs.AI": feed("cs.AI", ITEMS[:1]), "cs.DC": feed("cs.DC", ITEMS[1:])}
    scored = await scored_run(store_env, config(), feeds)
    await on_run_scored(scored, store_env)
    names = [p.name for p in await publications(store_env)]
    assert names == [README, FEED, category_feed("cs.AI"), category_feed("cs.DC"),
                     "feed.rss", "feed.atom", "feed.json", "feeds/cs.AI.rss", "feeds/cs.AI.atom", "feeds/cs.AI.json",
                     "feeds/cs.DC.rss", "feeds/cs.DC.atom", "feeds/cs.DC.json", "days/2024-11-28.html", "index.html"]
    readme = (await publications(store_env))[0].content
    assert "**Total Papers Found**: 2" in readme and "### 1. [Sparse kernels]" in readme
    assert "<details>" not in readme
    assert await stage(store_env, scored.run_id) == "published"
    (published,) = await emitted(store_env, "run.published")
    assert published.changed is True


async def test_the_same_content_again_publishes_nothing_new(store_env: Env) -> None:
    feeds = {"cs.AI": feed("cs.AI", ITEMS[:1]), "cs.DC": feed("cs.DC", ITEMS[1:])}
    await on_run_scored(await scored_run(store_env, config(), feeds), store_env)
    again = await scored_run(store_env, config(), feeds)
    await on_run_scored(again, store_env)
    await on_run_scored(again, store_env)  # redelivered
    assert len(await publications(store_env)) == PER_DIGEST
    assert [m.changed for m in await emitted(store_env, "run.published")] == [True, False]
    feeds["cs.DC"] = feed("cs.DC", [Item("2411.00003", "Fast sparse thing", categories=["cs.DC"])] + ITEMS[1:])
    await on_run_scored(await scored_run(store_env, config(), feeds), store_env)
    assert len(await publications(store_env)) == 2 * PER_DIGEST


async def test_an_empty_day_keeps_the_previous_digest(store_env: Env) -> None:
    await on_run_scored(await scored_run(store_env, config(), {"cs.AI": feed("cs.AI", ITEMS), "cs.DC": EMPTY}),
                        store_env)
    empty = await scored_run(store_env, config(), {"cs.AI": EMPTY, "cs.DC": EMPTY})
    await on_run_scored(empty, store_env)
    # Only the profile's page is new: it says so, above the digest that stays.
    assert [p.name for p in await publications(store_env)][PER_DIGEST:] == ["index.html"]
    assert await stage(store_env, empty.run_id) == "published"


async def test_it_waits_for_summaries_then_publishes_them(store_env: Env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    cfg = config(summaries=True)
    with FakeLLM() as llm:
        cfg.ai_summary.base_url = llm.url + "/v1"
        scored = await scored_run(store_env, cfg, {"cs.AI": feed("cs.AI", ITEMS)})
        await on_run_scored(scored, store_env)
        assert await publications(store_env) == []  # summaries are still to come
        first, _ = await emitted(store_env, "summary.requested", scored.run_id)
        await on_summary_requested(first, store_env)
        (one,) = await emitted(store_env, "paper.summarized")
        await on_paper_summarized(one, store_env)
        assert await publications(store_env) == []  # one of two is not enough
        await summarize_run(store_env, scored.run_id)
    _, two = await emitted(store_env, "paper.summarized")
    await on_paper_summarized(two, store_env)
    await on_paper_summarized(two, store_env)  # redelivered
    assert len(await publications(store_env)) == PER_DIGEST
    readme = (await publications(store_env))[0].content
    assert readme.count("<details>") == 2 and "Summary: Title: Sparse attention" in readme


async def test_past_the_deadline_it_publishes_without_the_missing_summaries(store_env: Env) -> None:
    scored = await scored_run(store_env, config(summaries=True), {"cs.AI": feed("cs.AI", ITEMS)})
    store_env.settings.publish_deadline_seconds = 60
    await on_run_scored(scored, store_env)
    await publish_overdue(store_env)
    assert await publications(store_env) == []  # not yet overdue
    later = store_env.clock() + timedelta(seconds=61)
    store_env.clock = lambda: later
    await publish_overdue(store_env)
    assert await stage(store_env, scored.run_id) == "published"
    assert "<details>" not in (await publications(store_env))[0].content
    # The summarizer finishing late changes nothing already published.
    await on_paper_summarized(PaperSummarized(run_id=scored.run_id, arxiv_id="2411.00001", status="disabled"),
                              store_env)
    assert len(await publications(store_env)) == PER_DIGEST


async def test_publishing_an_unknown_or_unscored_run_does_nothing(store_env: Env) -> None:
    assert await publish_profile(store_env, "0" * 32, "default", force=True) is False
    assert await publications(store_env) == []
