"""Runs for the summarizer's tests: a config pointing at the local LLM, and what a run left in the store."""
from __future__ import annotations

from sqlmodel import select

from shared.config import BotConfig
from shared.models import RunSummary, Summary
from shared.repository import Repository
from shared.runtime import Env
from services.publisher.publish import FEED, README, publish_profile
from tests.feeds import Item, feed
from tests.pipeline import scored_run, summarize_run
from tests.servers import FakeLLM


def cfg(llm: FakeLLM, workers: int = 2, wanted: int = 5) -> BotConfig:
    config = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0)
    config.ai_summary.base_url = llm.url + "/v1"
    config.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    config.ai_summary.max_workers = workers
    config.ai_summary.max_papers_to_summarize = wanted
    config.ai_summary.model = "test-model"
    return config


async def run(env: Env, config: BotConfig, items: list[Item]) -> str:
    """Fetch, score and summarize `items` as one run; its id."""
    scored = await scored_run(env, config, {"cs.AI": feed("cs.AI", items)})
    await summarize_run(env, scored.run_id)
    return scored.run_id


async def outcomes(env: Env, run_id: str) -> dict[str, RunSummary]:
    async with env.sessions() as session:
        rows = await session.exec(select(RunSummary).where(RunSummary.run_id == run_id))
        return {r.arxiv_id: r for r in rows}


async def summaries(env: Env) -> dict[str, Summary]:
    """Every stored summary by paper id (tests make one per paper unless they say otherwise)."""
    async with env.sessions() as session:
        return {s.arxiv_id: s for s in await session.exec(select(Summary))}


async def published(env: Env, run_id: str) -> tuple[str, str]:
    """Publish the run's default digest; its README and feed."""
    await publish_profile(env, run_id, "default", force=True)
    async with env.sessions() as session:
        repo = Repository(session)
        readme, rss = await repo.current_publication("default", README), await repo.current_publication("default", FEED)
    assert readme is not None and rss is not None
    return readme.content, rss.content


def entry_of(readme: str, arxiv_id: str) -> str:
    """The README's block for one paper."""
    (block,) = [b for b in readme.split("\n### ") if f"**ArXiv ID**: {arxiv_id}v" in b]
    return block
