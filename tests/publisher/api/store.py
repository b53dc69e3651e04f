"""Fill the store through the real pipeline handlers: runs, scores, summaries and published digests."""
from __future__ import annotations

from shared.config import BotConfig
from shared.messages import PaperSummarized, RunScored
from shared.runtime import Env
from services.publisher.worker import on_paper_summarized, on_run_scored
from tests.feeds import Item, feed
from tests.pipeline import emitted, scored_run, summarize_run
from tests.servers import FakeLLM

PAPERS = [
    Item("2411.00001", "Sparse attention for long context", "We make attention sparse and fast.",
         categories=["cs.AI", "cs.LG"]),
    Item("2411.00002", "Quantization of LLM weights", "FP8 quantization keeps accuracy.", categories=["cs.LG"]),
    Item("2411.00003", "A study of kernels", "Fast GPU kernels for decoding.", categories=["cs.DC"], type="cross"),
    Item("hep-th/9901001", "Sparse strings", "Old-style identifiers still work.", categories=["cs.AI"]),
]


def config(**changes: object) -> BotConfig:
    cfg = BotConfig(categories=["cs.AI", "cs.LG", "cs.DC"], keywords=["Sparse", "Fast", "Quantization", "LLM"],
                    days_back=3650, min_score=0, announce_types=["new", "cross"], **changes)
    cfg.ai_summary.enabled = False
    return cfg


def feeds(items: list[Item] = PAPERS) -> dict[str, bytes]:
    return {c: feed(c, [i for i in items if c in i.categories]) for c in ("cs.AI", "cs.LG", "cs.DC")}


async def published_run(env: Env, cfg: BotConfig | None = None, items: list[Item] = PAPERS) -> RunScored:
    scored = await scored_run(env, cfg or config(), feeds(items))
    await on_run_scored(scored, env)
    return scored


async def published_with_summaries(env: Env, monkeypatch) -> RunScored:  # noqa: ANN001
    """A run whose papers were summarized by a local LLM (the key is read from the variable config names)."""
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    cfg = config()
    cfg.ai_summary.enabled = True
    cfg.ai_summary.api_key_env = "ARXIV_BOT_TEST_KEY"
    with FakeLLM() as llm:
        cfg.ai_summary.base_url = llm.url + "/v1"
        scored = await scored_run(env, cfg, feeds())
        await on_run_scored(scored, env)
        await summarize_run(env, scored.run_id)
    for message in await emitted(env, "paper.summarized", scored.run_id):
        assert isinstance(message, PaperSummarized)
        await on_paper_summarized(message, env)
    return scored
