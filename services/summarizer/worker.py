"""The summarizer's handler: each paper a run wants summarized gets an outcome (done, failed, disabled).

One message per paper. Every failure of one paper (an unreadable PDF, an HTTP error, a malformed answer, a
timeout, a character the store refuses) becomes that paper's outcome; nothing of it reaches the others.
A claim in the store makes two workers that want the same summary (two runs, or a redelivery beside the
original) pay for it once: the second waits for the first one's answer.

What is paid for once is a (paper, version, model, prompt, language): the claim covers that, and a done
summary of it is reused whatever text it was read from. The source (html, pdf, abstract) completes the
stored row's key: it records what the model read, which only the claim's holder finds out by downloading.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
import logging
import os
import uuid
from datetime import timedelta


from shared.config import BotConfig
from shared.db import store_unreachable
from shared.messages import Message, PaperSummarized, SummaryRequested
from shared.models import Paper, RunSummary, Summary
from shared.repository import Repository
from shared.repository.summaries import SummaryKey
from shared.runtime import Env, Handler
from shared.stages import SummaryStatus

from services.summarizer.paper_summary import Prepared, ask_model, prepare
from services.summarizer.prompt import language_of, system_prompt
from services.summarizer.summarize import prompt_hash

if TYPE_CHECKING:  # openai costs ~30 MB and ~1 s to import: only when a summary is asked
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # across runs: a paper whose summary failed is retried by later runs, up to this
CLAIM_POLL_SECONDS = 0.5
REFUSALS_KEPT = 64  # runs whose refusals a long-running summarizer remembers
NOT_ASKED = "not asked: "  # the error of a paper a refusal of the setup kept from the model, before that reason
# How long a paid answer waits for an unreachable store before it is given up (and the paper asked again later).
STORE_PATIENCE_SECONDS = 120.0


def api_key(config: BotConfig, env: Env) -> str | None:
    return env.settings.llm_api_key or os.environ.get(config.ai_summary.api_key_env) or None


def base_url(config: BotConfig, env: Env) -> str:
    return env.settings.llm_base_url or config.ai_summary.base_url


def llm_client(env: Env, url: str, key: str) -> AsyncOpenAI:
    """One client per process and endpoint: requests in flight never see it closed under them. Its own retries
    are off: ours (services/summarizer/retry.py) honour Retry-After, the deadline and the limits."""
    name = f"llm:{url}:{hash(key)}"
    if name not in env.resources:
        from openai import AsyncOpenAI

        env.resources[name] = AsyncOpenAI(api_key=key, base_url=url, timeout=env.settings.llm_timeout, max_retries=0)
    return env.resources[name]


def llm_slots(env: Env, max_workers: int) -> asyncio.Semaphore:
    """`max_workers` LLM calls at once in the whole process, however many messages it handles."""
    return env.resources.setdefault(f"llm-slots:{max_workers}", asyncio.Semaphore(max_workers))


class Refusals:
    """Per run, what failed because of the setup, not the paper (retry.py::refused: the key, the model, the URL or
    the account refused, or no connection at all): the run's other papers are not asked, and none of it counts
    against a paper's attempts, so once the setup is mended a later run asks for every paper again."""

    def __init__(self) -> None:
        self.reasons: dict[tuple, str] = {}

    def of(self, scope: tuple) -> str | None:
        return self.reasons.get(scope)

    def note(self, scope: tuple, reason: str) -> bool:
        """Remember a refusal; whether it is the first one of its scope."""
        if scope in self.reasons:
            return False
        if len(self.reasons) >= REFUSALS_KEPT:
            self.reasons.pop(next(iter(self.reasons)))
        self.reasons[scope] = reason
        return True


def summary_key(config: BotConfig, paper: Paper) -> SummaryKey:
    return (paper.arxiv_id, paper.version, config.ai_summary.model, prompt_hash(system_prompt(config)),
            language_of(config))


async def renew_claim(env: Env, key: SummaryKey, holder: str, lease: timedelta) -> None:
    """Keep a claim alive while its holder works: the lease stays short, so a crashed holder's claim lapses
    within seconds and the redelivered message takes over, yet a slow model never loses its claim. A renewal
    that cannot reach the store is tried again at the next tick (the store restarting must not end them)."""
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        now = env.clock()
        try:
            async with env.sessions() as session, session.begin():
                await Repository(session).claim_summary(key, holder, now, now + lease)
        except Exception as exc:  # noqa: BLE001 - checked just below
            if not store_unreachable(exc):
                raise
            log.info("claim on %s not renewed: the store is unreachable; trying again", key[0])


async def store_answer(env: Env, key: SummaryKey, holder: str, lease: timedelta, run_id: str, row: Summary,
                       replaces_failures: bool, renewing: asyncio.Task) -> None:
    """Store a paid answer with the claim's release and the run's outcome. While the store is unreachable
    (restarting, failing over) the answer is kept and stored when it is back, within STORE_PATIENCE_SECONDS,
    and the claim is renewed meanwhile: otherwise a database restart would cost every answer in flight."""
    started = asyncio.get_running_loop().time()
    pause = 0.2
    try:
        while True:
            renewing.cancel()  # before the release: a renewal racing it would take the claim back
            await asyncio.gather(renewing, return_exceptions=True)
            try:
                async with env.sessions() as session, session.begin():
                    repo = Repository(session)
                    await repo.store_summary(row, replaces_failures=replaces_failures)
                    await repo.release_claim(key, holder)
                    await record(repo, run_id, row)
                return
            except Exception as exc:  # noqa: BLE001 - checked just below
                waited = asyncio.get_running_loop().time() - started
                if not store_unreachable(exc) or waited > STORE_PATIENCE_SECONDS:
                    raise
                log.warning("the answer for %s is kept until the store is back (%s)", key[0], type(exc).__name__)
            renewing = asyncio.create_task(renew_claim(env, key, holder, lease))
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
    finally:
        renewing.cancel()  # whichever renewal is current: none outlives this call


async def record(repo: Repository, run_id: str, row: Summary | None, reused: bool = False,
                 arxiv_id: str = "") -> None:
    """The paper's outcome in the run and its message, in the caller's transaction (no row: disabled)."""
    if row is None:
        outcome = RunSummary(run_id=run_id, arxiv_id=arxiv_id, status=SummaryStatus.DISABLED)
    else:
        outcome = RunSummary(run_id=run_id, arxiv_id=row.arxiv_id, status=row.status, version=row.version,
                             model=row.model, prompt_hash=row.prompt_hash, language=row.language, source=row.source,
                             reused=reused)
    await repo.record_outcome(outcome)
    repo.emit(PaperSummarized(run_id=run_id, arxiv_id=outcome.arxiv_id, status=outcome.status))


def failed_row(config: BotConfig, paper: Paper, env: Env, error: str) -> Summary:
    key = summary_key(config, paper)
    return Summary(arxiv_id=key[0], version=key[1], model=key[2], prompt_hash=key[3], language=key[4],
                   source="abstract", status=SummaryStatus.FAILED, error=error[:500], created_at=env.clock())


async def _prepared(env: Env, config: BotConfig, paper: Paper) -> Prepared | None:
    """The paper's text, read before an LLM slot is taken (it costs the provider nothing); None if it could not
    be prepared at all (logged; the caller records the failure)."""
    try:
        return await prepare(env, config, paper)
    except Exception:  # noqa: BLE001 - a bug on one paper's text is that paper's failure, not the run's
        log.warning("summary of %sv%d failed: its text could not be prepared", paper.arxiv_id, paper.version,
                    exc_info=True)
        return None


async def summarize_paper(env: Env, config: BotConfig, key: str, paper: Paper, run_id: str) -> None:
    """Reuse the cache, wait for another worker's answer, or ask the model; then record the paper's outcome.

    Each paper costs two transactions when it is asked (the claim; then the answer, the claim's release, the
    outcome and its message together) and one when it is reused: on SQLite every commit is a disk sync.
    """
    cache_key = summary_key(config, paper)
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
                await record(repo, run_id, cached, reused=True)
                return
            if claimed:
                break
        await asyncio.sleep(CLAIM_POLL_SECONDS)  # someone else is asking the model right now
    renewing = asyncio.create_task(renew_claim(env, cache_key, holder, lease))
    try:
        url = base_url(config, env)
        refusals: Refusals = env.resources.setdefault("llm-refusals", Refusals())
        scope = (url, hash(key), config.ai_summary.model, run_id)
        prepared = None if refusals.of(scope) else await _prepared(env, config, paper)
        # The slot is held until the answer is stored: a crash then loses at most max_workers answers.
        async with llm_slots(env, config.ai_summary.max_workers):
            if (known := refusals.of(scope)) is not None:
                row = failed_row(config, paper, env, NOT_ASKED + known)
            elif prepared is None:
                row = failed_row(config, paper, env, "the text could not be prepared")
            else:
                row = await ask_model(env, config, llm_client(env, url, key), url, paper, prepared,
                                      lambda reason: refusals.note(scope, reason))
            refused = row.status == SummaryStatus.FAILED and refusals.of(scope) is not None
            row.attempts = (cached.attempts if cached else 0) + (0 if refused else 1)
            await store_answer(env, cache_key, holder, lease, run_id, row, cached is not None, renewing)
    except BaseException:
        renewing.cancel()
        async with env.sessions() as session, session.begin():
            await Repository(session).release_claim(cache_key, holder)
        raise
    env.metrics.llm_requests.labels("ok" if row.status == SummaryStatus.DONE else "failed").inc()


async def on_summary_requested(message: Message, env: Env) -> None:
    assert isinstance(message, SummaryRequested)
    async with env.sessions() as session:
        repo = Repository(session)
        run = await repo.get_run(message.run_id)
        paper = await session.get(Paper, message.arxiv_id)
        done = await session.get(RunSummary, (message.run_id, message.arxiv_id)) is not None
        config = await repo.run_config(run.id) if run is not None else None
    if run is None or paper is None or config is None:
        log.error("run %s or paper %s is not in the store; nothing to summarize", message.run_id, message.arxiv_id)
        return
    if done:
        return  # a redelivery: the outcome and its message were committed together
    key = api_key(config, env)
    if key is not None:
        return await summarize_paper(env, config, key, paper, run.id)
    warned = env.resources.setdefault("warned-no-key", set())
    if run.id not in warned:  # once per run, not once per paper
        warned.add(run.id)
        log.warning("no API key in %s (or LLM_API_KEY): summaries disabled for run %s",
                    config.ai_summary.api_key_env, run.id)
    async with env.sessions() as session, session.begin():
        await record(Repository(session), run.id, None, arxiv_id=paper.arxiv_id)


HANDLERS: dict[str, Handler] = {SummaryRequested.routing_key: on_summary_requested}
