"""Benchmark: 100 papers summarized against a local LLM that takes a fixed time per answer.

    .venv/bin/python bench/bench_summarizer.py [--papers 100] [--workers 16] [--answer-seconds 1]
                                               [--prefetch 32] [--no-fulltext] [--no-warm-up]
                                               [--database-url URL]

Everything is local: a FakeArxiv serves the feed and each paper's HTML rendering (so every summary takes the
full path: download, parse, token budget), a FakeLLM answers each chat request after `--answer-seconds`.
A one-paper run goes first, untimed (unless `--no-warm-up`), so the figures are a running service's, not a
cold start's (the first summary in a process loads the tokenizer's vocabulary and the openai client's chat
modules, ~1 s). The run is fetched and scored first (not timed); then every `summary.requested` of the run
is handled with `--prefetch` messages in flight, as a summarizer service (or `run --once`) with that prefetch
would: that part is timed. The ideal is ceil(papers / workers) x answer time. Then the same papers are
fetched, scored and summarized again as a new run: it must ask the model nothing. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.summarizer.worker import on_summary_requested  # noqa: E402
from shared.config import BotConfig  # noqa: E402
from shared.db import make_engine, make_sessions, migrate  # noqa: E402
from shared.messages import SummaryRequested  # noqa: E402
from shared.metrics import Metrics  # noqa: E402
from shared.runtime import Env, make_http  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.feeds import Item, feed  # noqa: E402
from tests.pipeline import emitted, scored_run  # noqa: E402
from tests.servers import FakeArxiv, FakeLLM  # noqa: E402
from tests.summarizer.documents import html_page  # noqa: E402


async def summarize(env: Env, run_id: str, prefetch: int) -> float:
    requests = [m for m in await emitted(env, "summary.requested", run_id) if isinstance(m, SummaryRequested)]
    in_flight = asyncio.Semaphore(prefetch)

    async def consume(message: SummaryRequested) -> None:
        async with in_flight:
            await on_summary_requested(message, env)

    started = time.perf_counter()
    await asyncio.gather(*(consume(m) for m in requests))
    return time.perf_counter() - started


async def bench(args: argparse.Namespace, database_url: str) -> dict:
    items = [Item(f"2411.{n:05d}", f"Sparse paper {n}", f"Sparse abstract {n}.") for n in range(1, args.papers + 1)]
    config = BotConfig(categories=["cs.AI"], keywords=["Sparse"], days_back=3650, min_score=0,
                       max_papers=args.papers)
    config.ai_summary.max_papers_to_summarize = args.papers
    config.ai_summary.max_workers = args.workers
    config.ai_summary.api_key_env = "ARXIV_BOT_BENCH_KEY"
    os.environ["ARXIV_BOT_BENCH_KEY"] = "test-key"
    await migrate(database_url)
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv, FakeLLM() as llm:
        llm.delay = args.answer_seconds
        if args.fulltext:
            for item in items:
                arxiv.html[f"{item.id}v1"] = html_page(item.title, item.id.replace(".", "-"))
        config.ai_summary.base_url = llm.url + "/v1"
        settings = Settings(database_url=database_url, arxiv_rss_base_url=arxiv.base, arxiv_base_url=arxiv.url,
                            prefetch=args.prefetch)
        engine = make_engine(database_url)
        env = Env(settings, make_sessions(engine), make_http(settings), Metrics("bench"))
        try:
            if args.warm_up:
                warm = [Item("2411.99999", "Sparse warm-up", "Sparse warm-up.")]
                await summarize(env, (await scored_run(env, config, {"cs.AI": feed("cs.AI", warm)})).run_id, 1)
                llm.requests.clear()
                llm.max_in_flight = 0
            first = await scored_run(env, config, {"cs.AI": feed("cs.AI", items)})
            first_seconds = await summarize(env, first.run_id, args.prefetch)
            asked_first = len(llm.requests)
            second = await scored_run(env, config, {"cs.AI": feed("cs.AI", items)})
            second_seconds = await summarize(env, second.run_id, args.prefetch)
            asked_second = len(llm.requests) - asked_first
        finally:
            await env.close()
            await engine.dispose()
    ideal = math.ceil(args.papers / args.workers) * args.answer_seconds
    return {"papers": args.papers, "max_workers": args.workers, "answer_seconds": args.answer_seconds,
            "prefetch": args.prefetch, "fulltext": args.fulltext, "warm_up": args.warm_up,
            "store": database_url.split(":", 1)[0],
            "first_run_seconds": round(first_seconds, 2), "ideal_seconds": ideal,
            "ratio_to_ideal": round(first_seconds / ideal, 3), "llm_requests_first_run": asked_first,
            "max_in_flight": llm.max_in_flight, "second_run_seconds": round(second_seconds, 2),
            "llm_requests_second_run": asked_second}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--answer-seconds", type=float, default=1.0)
    parser.add_argument("--prefetch", type=int, default=32)
    parser.add_argument("--no-fulltext", dest="fulltext", action="store_false")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(bench(args, args.database_url or f"sqlite:///{tmp}/bench.db"))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
