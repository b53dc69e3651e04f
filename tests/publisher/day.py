"""A published day for the readers' tests: 30 papers through the real fetcher, scorer, summarizer and
publisher, one of them with a hostile title (LaTeX, markup, a script) and hostile summaries."""
from __future__ import annotations

from shared.config import BotConfig
from shared.messages import PaperSummarized
from shared.runtime import Env
from services.publisher.worker import on_paper_summarized, on_run_scored
from tests.feeds import Item, feed
from tests.pipeline import emitted, scored_run, summarize_run
from tests.servers import FakeLLM

HOSTILE_ID = "2411.10001"
HOSTILE_TITLE = ('Sparse Schr\\"odinger & <script>alert(1)</script> <img src=x onerror=alert(2)> '
                 '"quoted" $\\alpha < \\beta$')
READABLE_TITLE = 'Sparse Schrödinger & <script>alert(1)</script> <img src=x onerror=alert(2)> "quoted" α < β'
CATEGORIES = ["cs.AI", "cs.DC", "cs.LG"]
KEY_ENV = "ARXIV_BOT_READERS_TEST_KEY"


def summary_answer(messages: list[dict]) -> str:
    """A Markdown answer that tries everything: raw HTML, a script, a javascript: link, an image."""
    first = messages[-1]["content"].splitlines()[0]
    return (f"**Key result** of {first}\n\n- faster\n- smaller\n\n<script>alert(3)</script> "
            "[click](javascript:alert(4)) ![pixel](http://tracker.example/p.png) <b onmouseover=alert(5)>x</b>")


def papers(count: int = 30, day: int = 10000) -> list[Item]:
    items = [Item(HOSTILE_ID, HOSTILE_TITLE, "Sparse attention & more, for n < m.", categories=["cs.AI", "cs.LG"],
                  authors='Erwin Schr\\"odinger, Ada <b>Lovelace</b>')] if day == 10000 else []
    for n in range(len(items) + 1, count + 1):
        items.append(Item(f"2411.{day + n:05d}", f"Sparse paper number {n}", f"Sparse things, part {n}.",
                          categories=[CATEGORIES[n % 3]]))
    return items


def day_config(llm: FakeLLM | None = None, summarize: int = 5) -> BotConfig:
    cfg = BotConfig(categories=CATEGORIES, keywords=["Sparse"], days_back=3650, min_score=0, max_papers=30)
    cfg.ai_summary.enabled = llm is not None
    cfg.ai_summary.api_key_env = KEY_ENV
    cfg.ai_summary.max_papers_to_summarize = summarize
    if llm is not None:
        cfg.ai_summary.base_url = llm.url + "/v1"
    return cfg


def day_feeds(items: list[Item], failing: set[str] = frozenset()) -> dict[str, bytes]:
    return {c: (b"not a feed" if c in failing else feed(c, [i for i in items if c in i.categories]))
            for c in CATEGORIES}


async def publish_day(env: Env, items: list[Item], llm: FakeLLM | None = None,
                      failing: set[str] = frozenset()) -> str:
    """Fetch, score, summarize (when there is an LLM) and publish one day; returns the run id."""
    scored = await scored_run(env, day_config(llm), day_feeds(items, failing))
    await on_run_scored(scored, env)
    if llm is not None and scored.to_summarize:
        await summarize_run(env, scored.run_id)
        for message in await emitted(env, "paper.summarized", scored.run_id):
            assert isinstance(message, PaperSummarized)
            await on_paper_summarized(message, env)
    return scored.run_id
