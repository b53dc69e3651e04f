"""Summarizing one paper with any OpenAI-compatible chat endpoint. No storage, no queues."""
from __future__ import annotations

import hashlib

from openai import AsyncOpenAI

from shared.models import Paper

from services.summarizer.answer import AnswerError, clean_answer

# The user message stays far below any model's context; full text arrives with its own token budget.
MAX_INPUT_CHARS = 20_000


class SummaryError(RuntimeError):
    pass


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()[:16]


def paper_text(paper: Paper) -> str:
    text = (f"Title: {paper.title}\nAuthors: {', '.join(paper.authors)}\n"
            f"Categories: {', '.join(paper.categories)}\narXiv: {paper.arxiv_id}v{paper.version}\n\n"
            f"Abstract:\n{paper.abstract}")
    return text[:MAX_INPUT_CHARS]


async def summarize(client: AsyncOpenAI, model: str, prompt: str, paper: Paper,
                    max_chars: int = 20_000) -> tuple[str, int, int]:
    """Returns (summary, prompt tokens, completion tokens); raises SummaryError on an unusable answer."""
    response = await client.chat.completions.create(
        model=model, messages=[{"role": "system", "content": prompt}, {"role": "user", "content": paper_text(paper)}])
    if not response.choices:
        raise SummaryError("the model returned no choices")
    try:
        text = clean_answer(response.choices[0].message.content, max_chars)
    except AnswerError as exc:
        raise SummaryError(f"unusable answer: {exc}") from None
    usage = response.usage
    return text, (usage.prompt_tokens or 0) if usage else 0, (usage.completion_tokens or 0) if usage else 0
