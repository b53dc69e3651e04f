"""The summarizer's handler: each paper a run wants summarized gets an outcome (done, failed, disabled).

One message per paper. Every failure of one paper (an HTTP error, a malformed answer, a timeout, a character
the store refuses) becomes that paper's `failed` outcome with its reason; nothing of it reaches the others.
A claim in the store makes two workers that want the same summary (two runs, or a redelivery beside the
original) pay for it once: the second waits for the first one's answer.
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from datetime import timedelta

from openai import AsyncOpenAI

from shared.config import BotConfig
from shared.messages import Message, PaperSummarized, SummaryRequested
from shared.models import Paper, RunSummary, Summary
from shared.repository import Repository
from shared.runtime import Env, Handler
from shared.stages import SummaryStatus

from services.summarizer.summarize import prompt_hash, summarize

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # across runs: a paper whose summary failed is retried by later runs, up to this
CLAIM_POLL_SECONDS = 0.5


def api_key(config: BotConfig, env: Env) -> str | None:
    return env.settings.llm_api_key or os.environ.get(config.ai_summary.api_key_env) or None


def llm_client(env: Env, base_url: str, key: str) -> AsyncOpenAI:
    """One client per process and endpoint: requests in flight never see it closed under them."""
    name = f"llm:{base_url}:{hash(key)}"
    if name not in env.resources:
        env.resources[name] = AsyncOpenAI(api_key=key, base_url=base_url, timeout=env.settings.llm_timeout,
                                          max_retries=env.settings.llm_retries)
    return env.resources[name]


def llm_slots(env: Env, max_workers: int) -> asyncio.Semaphore:
    """`max_workers` LLM calls at once in the whole process, however many messages it handles."""
    return env.resources.setdefault(f"llm-slots:{max_workers}", asyncio.Semaphore(max_workers))


async def ask_model(env: Env, config: BotConfig, key: str, paper: Paper) -> Summary:
    model, prompt = config.ai_summary.model, config.prompt
    row = Summary(arxiv_id=paper.arxiv_id, version=paper.version, model=model, prompt_hash=prompt_hash(prompt),
                  status=SummaryStatus.DONE, created_at=env.clock())
    client = llm_client(env, env.settings.llm_base_url or config.ai_summary.base_url, key)
    try:
        async with asyncio.timeout(env.settings.llm_deadline_seconds):
            text, prompt_tokens, completion_tokens = await summarize(
                client, model, prompt, paper, env.settings.llm_max_answer_chars)
    except Exception as exc:  # noqa: BLE001 - whatever the model or the wire did, it is this paper's failure
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500] if str(exc) else type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = f"no answer within {env.settings.llm_deadline_seconds:g} s"
        log.warning("summary of %sv%d with %s failed: %s", paper.arxiv_id, paper.version, model, reason)
        row.status, row.error = SummaryStatus.FAILED, reason
        return row
    row.text, row.prompt_tokens, row.completion_tokens = text, prompt_tokens, completion_tokens
    env.metrics.llm_tokens.labels("prompt").inc(prompt_tokens)
    env.metrics.llm_tokens.labels("completion").inc(completion_tokens)
    return row


async def renew_claim(env: Env, key: tuple[str, int, str, str], holder: str, lease: timedelta) -> None:
    """Keep a claim alive while its holder works: the lease stays short, so a crashed holder's claim lapses
    within seconds and the redelivered message takes over, yet a slow model never loses its claim."""
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        now = env.clock()
        async with env.sessions() as session, session.begin():
            await Repository(session).claim_summary(key, holder, now, now + lease)


async def summary_for(env: Env, config: BotConfig, key: str, paper: Paper) -> str:
    """The paper's summary status after reusing the cache, waiting for another worker, or asking the model."""
    cache_key = (paper.arxiv_id, paper.version, config.ai_summary.model, prompt_hash(config.prompt))
    holder = uuid.uuid4().hex
    lease = timedelta(seconds=env.settings.summary_claim_seconds)
    while True:
        async with env.sessions() as session, session.begin():
            repo = Repository(session)
            now = env.clock()
            # Claim first, then look at the cache: a worker that stored its answer and let go of its claim
            # between our look and our claim would otherwise be paid for twice.
            claimed = await repo.claim_summary(cache_key, holder, now, now + lease)
            cached = await repo.cached_summary(cache_key)
            if cached and (cached.status == SummaryStatus.DONE or cached.attempts >= MAX_ATTEMPTS):
                if claimed:
                    await repo.release_claim(cache_key, holder)
                env.metrics.llm_requests.labels("cached").inc()
                return cached.status
            if claimed:
                break
        await asyncio.sleep(CLAIM_POLL_SECONDS)  # someone else is asking the model right now
    renewing = asyncio.create_task(renew_claim(env, cache_key, holder, lease))
    try:
        # The slot is held until the answer is stored: a crash then loses at most max_workers answers.
        async with llm_slots(env, config.ai_summary.max_workers):
            row = await ask_model(env, config, key, paper)
            row.attempts = (cached.attempts + 1) if cached else 1
            async with env.sessions() as session, session.begin():
                await session.merge(row)
                await Repository(session).release_claim(cache_key, holder)
    except BaseException:
        async with env.sessions() as session, session.begin():
            await Repository(session).release_claim(cache_key, holder)
        raise
    finally:
        renewing.cancel()
    env.metrics.llm_requests.labels("ok" if row.status == SummaryStatus.DONE else "failed").inc()
    return row.status


async def on_summary_requested(message: Message, env: Env) -> None:
    assert isinstance(message, SummaryRequested)
    async with env.sessions() as session:
        repo = Repository(session)
        run = await repo.get_run(message.run_id)
        paper = await session.get(Paper, message.arxiv_id)
        done = message.arxiv_id in await repo.summarized_ids(message.run_id)
    if run is None or paper is None:
        log.error("run %s or paper %s is not in the store; nothing to summarize", message.run_id, message.arxiv_id)
        return
    if done:
        return  # a redelivery: the outcome and its message were committed together
    config = BotConfig.from_snapshot(run.config)
    key = api_key(config, env)
    if key is None:
        log.warning("no API key in %s (or LLM_API_KEY): summaries disabled for run %s",
                    config.ai_summary.api_key_env, run.id)
        status = SummaryStatus.DISABLED
    else:
        status = SummaryStatus(await summary_for(env, config, key, paper))
    used = status != SummaryStatus.DISABLED
    async with env.sessions() as session, session.begin():
        repo = Repository(session)
        await repo.record_outcome(RunSummary(
            run_id=run.id, arxiv_id=paper.arxiv_id, status=status, version=paper.version if used else None,
            model=config.ai_summary.model if used else None, prompt_hash=prompt_hash(config.prompt) if used else None))
        repo.emit(PaperSummarized(run_id=run.id, arxiv_id=paper.arxiv_id, status=status))


HANDLERS: dict[str, Handler] = {SummaryRequested.routing_key: on_summary_requested}
