"""One paper's summary, from its text to the row that stores it: read, fit, wait for the limits, ask, retry.

The download and the fitting happen before the caller takes an LLM slot (they cost the provider nothing);
the question, its retries and the rpm/tpm waits run inside the slot and inside `llm_deadline_seconds`.
Whatever fails becomes the row's `failed` status with a reason, logged once at warning with the paper id.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


from shared.config import BotConfig
from shared.models import Paper, Summary
from shared.runtime import Env
from shared.stages import SummaryStatus

from services.summarizer import dashscope, tokens
from services.summarizer.budget import fit
from services.summarizer.fulltext import FullText, full_text
from services.summarizer.limits import LimitWaitTooLong, RateLimiter
from services.summarizer.prompt import language_of, paper_header, system_prompt
from services.summarizer.retry import Backoff, reason, refused, with_retries
from services.summarizer.summarize import Answer, ask, prompt_hash

if TYPE_CHECKING:  # openai costs ~30 MB and ~1 s to import: only when a summary is asked
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)
MESSAGE_OVERHEAD_TOKENS = 8  # the chat format's own tokens around two messages
ANSWER_ALLOWANCE_TOKENS = 1_500  # what a tokens-per-minute limit reserves for the answer until it is known
INTROS = {"html": "Full text (from arXiv's HTML rendering; references left out):",
          "pdf": "Full text (extracted from the PDF; references left out):"}


@dataclass
class Prepared:
    """What will be sent, and what the Summary row records about it."""

    text: FullText
    system: str
    header: str
    messages: list[dict] = field(default_factory=list)  # empty in file mode until the file is uploaded
    chars: int = 0
    tokens: int = 0
    cut: bool = False

    @property
    def file_mode(self) -> bool:
        return self.text.pdf is not None and not self.messages


def _fitted(text: FullText, system: str, header: str, budget: int) -> Prepared:
    room = budget - tokens.count(system) - MESSAGE_OVERHEAD_TOKENS
    fitted = fit(header, text.sections, room, INTROS.get(text.source, ""))
    messages = [{"role": "system", "content": system}, {"role": "user", "content": fitted.text}]
    return Prepared(text, system, header, messages, len(fitted.text),
                    budget - room + fitted.tokens, fitted.cut or text.more_pages)


def _for_file(text: FullText, system: str, header: str) -> Prepared:
    body = "\n\n".join(s.text for s in text.sections)
    # The provider reads the whole file; this estimate only feeds the tokens-per-minute limit.
    return Prepared(text, system, header, chars=len(body), tokens=tokens.count(system + header + body))


async def prepare(env: Env, config: BotConfig, paper: Paper) -> Prepared:
    file_mode = config.ai_summary.upload == "dashscope-file"
    text = await full_text(env, paper, pdf_first=file_mode)
    system, header = system_prompt(config), paper_header(paper)
    if file_mode and text.source == "pdf":
        return await asyncio.to_thread(_for_file, text, system, header)
    text = dataclasses.replace(text, pdf=None)  # the file itself is not needed: let it go now
    return await asyncio.to_thread(_fitted, text, system, header, config.ai_summary.max_input_tokens)


def limiter(env: Env, base_url: str, config: BotConfig) -> RateLimiter:
    """One pair of buckets per provider endpoint and limits, for the whole process."""
    rpm, tpm = config.ai_summary.rpm, config.ai_summary.tpm
    return env.resources.setdefault(f"llm-limits:{base_url}:{rpm}:{tpm}", RateLimiter(rpm, tpm))


Retrying = Callable[[Callable[[], Awaitable], bool], Awaitable]


async def _ask_with_file(env: Env, client: AsyncOpenAI, model: str, paper: Paper, prepared: Prepared,
                         retrying: Retrying) -> Answer:
    pdf = prepared.text.pdf
    assert pdf is not None
    # Uploads are not chat requests: the rpm/tpm limits do not apply to them.
    file_id = await retrying(lambda: dashscope.upload(client, pdf, f"{paper.arxiv_id}v{paper.version}.pdf"), False)
    try:
        messages = dashscope.file_messages(prepared.system, file_id, prepared.header)
        return await retrying(lambda: ask(client, model, messages, env.settings.llm_max_answer_chars), True)
    finally:
        await dashscope.delete(client, file_id)


async def ask_model(env: Env, config: BotConfig, client: AsyncOpenAI, base_url: str, paper: Paper,
                    prepared: Prepared, on_refusal: Callable[[str], bool] | None = None) -> Summary:
    """The Summary row for this paper: done with its text, or failed with its reason. Never raises for a
    failure of the model, the wire or the answer. A failure of the setup (retry.py::refused) goes to
    `on_refusal(reason)`, which says whether it is the first one heard (only that one is a warning)."""
    model, settings = config.ai_summary.model, env.settings
    row = Summary(arxiv_id=paper.arxiv_id, version=paper.version, model=model, prompt_hash=prompt_hash(prepared.system),
                  language=language_of(config), source=prepared.text.source, source_detail=prepared.text.detail,
                  chars_sent=prepared.chars, tokens_sent=prepared.tokens, cut=prepared.cut,
                  status=SummaryStatus.DONE, created_at=env.clock())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.llm_deadline_seconds
    backoff = Backoff(settings.llm_retries, settings.llm_backoff_seconds, settings.llm_max_backoff_seconds)
    what = f"summary of {paper.arxiv_id}v{paper.version}"
    limits = limiter(env, base_url, config)
    estimate = prepared.tokens + ANSWER_ALLOWANCE_TOKENS

    async def retrying(call: Callable[[], Awaitable], limited: bool) -> object:
        async def attempt() -> object:
            if limited:
                await limits.acquire(estimate, deadline=limits.clock() + deadline - loop.time())
            return await call()
        return await with_retries(attempt, backoff, deadline, what,
                                  on_retry=lambda cause: env.metrics.llm_retries.labels(cause).inc())

    try:
        async with asyncio.timeout_at(deadline):
            if prepared.file_mode:
                answer = await _ask_with_file(env, client, model, paper, prepared, retrying)
            else:
                answer = await retrying(lambda: ask(client, model, prepared.messages, settings.llm_max_answer_chars),
                                        True)
    except Exception as exc:  # noqa: BLE001 - whatever the model or the wire did, it is this paper's failure
        text = reason(exc)
        if isinstance(exc, TimeoutError):
            text = f"no answer within {settings.llm_deadline_seconds:g} s"
        elif isinstance(exc, LimitWaitTooLong):
            text = str(exc)
        row.status, row.error = SummaryStatus.FAILED, text
        if on_refusal is not None and refused(exc):
            first = on_refusal(text)
            log.log(logging.WARNING if first else logging.INFO,
                    "%s with %s failed: %s; the run's other papers are not asked (check the key in %s or "
                    "LLM_API_KEY, the model and the base URL %s)", what, model, text, config.ai_summary.api_key_env,
                    base_url)
            return row
        log.warning("%s with %s failed: %s", what, model, text)
        return row
    assert isinstance(answer, Answer)
    limits.settle(estimate, answer.prompt_tokens + answer.completion_tokens)
    if prepared.file_mode:
        row.tokens_sent = answer.prompt_tokens  # only the provider knows what it made of the file
    row.text, row.prompt_tokens, row.completion_tokens = answer.text, answer.prompt_tokens, answer.completion_tokens
    env.metrics.llm_tokens.labels("prompt").inc(answer.prompt_tokens)
    env.metrics.llm_tokens.labels("completion").inc(answer.completion_tokens)
    env.metrics.llm_prompt_tokens.labels(model).inc(answer.prompt_tokens)
    env.metrics.llm_completion_tokens.labels(model).inc(answer.completion_tokens)
    env.metrics.summary_sources.labels(row.source).inc()
    return row
