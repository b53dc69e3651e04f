"""One question to any OpenAI-compatible chat endpoint, and its answer made safe to store. No storage, no
queues, no retries (services/summarizer/retry.py decides those)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import hashlib
from dataclasses import dataclass


from services.summarizer.answer import AnswerError, clean_answer

if TYPE_CHECKING:  # openai costs ~30 MB and ~1 s to import: only when a summary is asked
    from openai import AsyncOpenAI


class SummaryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Answer:
    text: str
    prompt_tokens: int
    completion_tokens: int


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()[:16]


async def ask(client: AsyncOpenAI, model: str, messages: list[dict], max_chars: int = 20_000) -> Answer:
    """The model's cleaned answer; SummaryError on an unusable one (HTTP and wire errors pass through)."""
    response = await client.chat.completions.create(model=model, messages=messages)  # type: ignore[arg-type]
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list):
        raise SummaryError("the model's answer was malformed")  # a body that is not a chat completion
    if not choices:
        raise SummaryError("the model returned no choices")
    try:
        text = clean_answer(choices[0].message.content, max_chars)
    except AnswerError as exc:
        raise SummaryError(f"unusable answer: {exc}") from None
    usage = response.usage
    return Answer(text, (usage.prompt_tokens or 0) if usage else 0, (usage.completion_tokens or 0) if usage else 0)
