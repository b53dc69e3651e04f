"""The summarizer's handler: every paper a run wants summarized gets an outcome (done, failed, disabled).

Each LLM answer is committed to the summary cache as soon as it arrives, so a crash mid-run costs at most the
calls in flight; the redelivered message finds the rest cached and asks the model nothing twice.
"""
from __future__ import annotations

import asyncio
import logging
import os

from openai import AsyncOpenAI, OpenAIError

from shared.config import BotConfig
from shared.messages import Message, RunScored, RunSummarized
from shared.models import Paper, RunSummary, Summary
from shared.repository import Repository
from shared.runtime import Env, Handler

from services.summarizer.summarize import SummaryError, prompt_hash, summarize

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # across runs: a paper whose summary failed is retried by later runs, up to this


def api_key(config: BotConfig, env: Env) -> str | None:
    return env.settings.llm_api_key or os.environ.get(config.ai_summary.api_key_env) or None


async def summarize_one(env: Env, client: AsyncOpenAI, limit: asyncio.Semaphore, paper: Paper,
                        model: str, prompt: str) -> str:
    key = (paper.arxiv_id, paper.version, model, prompt_hash(prompt))
    async with env.sessions() as session:
        cached = await Repository(session).cached_summary(*key)
    if cached and (cached.status == "done" or cached.attempts >= MAX_ATTEMPTS):
        env.metrics.llm_requests.labels("cached").inc()
        return cached.status
    # The slot is held until the answer is stored: a crash then loses at most max_workers answers.
    async with limit:
        try:
            text, prompt_tokens, completion_tokens = await summarize(client, model, prompt, paper)
            row = Summary(arxiv_id=key[0], version=key[1], model=model, prompt_hash=key[3], status="done",
                          text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                          created_at=env.clock())
            env.metrics.llm_tokens.labels("prompt").inc(prompt_tokens)
            env.metrics.llm_tokens.labels("completion").inc(completion_tokens)
        except (OpenAIError, SummaryError) as exc:
            log.error("summary of %sv%d with %s failed: %s", paper.arxiv_id, paper.version, model, exc)
            row = Summary(arxiv_id=key[0], version=key[1], model=model, prompt_hash=key[3], status="failed",
                          error=str(exc)[:2000], created_at=env.clock())
        row.attempts = (cached.attempts + 1) if cached else 1
        async with env.sessions() as session, session.begin():
            await session.merge(row)
    env.metrics.llm_requests.labels("ok" if row.status == "done" else "failed").inc()
    return row.status


async def on_run_scored(message: Message, env: Env) -> None:
    assert isinstance(message, RunScored)
    if not message.to_summarize:
        return  # the publisher publishes at once
    async with env.sessions() as session:
        repo = Repository(session)
        run = await repo.get_run(message.run_id)
        if run is None or run.stage != "scored":
            return  # unknown, or summarized already (a redelivery)
        papers = await repo.papers_by_id(message.to_summarize)
    config = BotConfig.from_snapshot(run.config)
    model, prompt = config.ai_summary.model, config.prompt
    key = api_key(config, env)
    wanted = [papers[i] for i in message.to_summarize if i in papers]
    if key is None:
        log.warning("no API key in %s (or LLM_API_KEY): summaries disabled for run %s",
                    config.ai_summary.api_key_env, run.id)
        statuses = ["disabled"] * len(wanted)
    else:
        client = AsyncOpenAI(api_key=key, base_url=env.settings.llm_base_url or config.ai_summary.base_url,
                             timeout=env.settings.llm_timeout, max_retries=env.settings.llm_retries)
        limit = asyncio.Semaphore(config.ai_summary.max_workers)
        try:
            statuses = await asyncio.gather(*(summarize_one(env, client, limit, p, model, prompt) for p in wanted))
        finally:
            await client.close()
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        if not await repo.advance(run.id, ["scored"], "summarized"):
            return
        for paper, status in zip(wanted, statuses, strict=True):
            await session.merge(RunSummary(run_id=run.id, arxiv_id=paper.arxiv_id, status=status,
                                           version=paper.version if status != "disabled" else None,
                                           model=model if status != "disabled" else None,
                                           prompt_hash=prompt_hash(prompt) if status != "disabled" else None))
        repo.emit(RunSummarized(run_id=run.id, done=statuses.count("done"), failed=statuses.count("failed"),
                                disabled=statuses.count("disabled")))
    log.info("run %s: summaries %d done, %d failed, %d disabled", run.id, statuses.count("done"),
             statuses.count("failed"), statuses.count("disabled"))


HANDLERS: dict[str, Handler] = {RunScored.routing_key: on_run_scored}
