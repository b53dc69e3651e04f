"""Benchmark: the one-process pipeline (fetch, parse, store, score, publish) over real arXiv-layout feeds.

    .venv/bin/python bench/bench_pipeline.py FEED_DIR [--repeat N]

FEED_DIR holds `<category>.xml` files (the real day: ../shared/data/arxiv/day-2024-11-28; larger days:
`python3 ../shared/tools/make_feeds.py corpus ../shared/data/arxiv/corpus.jsonl.gz DIR N cs.AI cs.CL cs.DC cs.LG`
after gunzipping the corpus). Each repeat uses a fresh SQLite store, so every paper is new, and no LLM (summaries
are disabled), so what is measured is our own code. Prints the median wall time, papers per second and peak RSS.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arxiv_bot.embedded import run_once  # noqa: E402
from shared.config import BotConfig  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.servers import FakeArxiv  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    categories = sorted(p.stem for p in args.feeds.glob("*.xml"))
    config = BotConfig(categories=categories, days_back=3650)
    config.ai_summary.enabled = False
    times, items = [], 0
    with FakeArxiv(args.feeds) as arxiv:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", arxiv_rss_base_url=arxiv.base)
                started = time.perf_counter()
                run, _ = asyncio.run(run_once(settings, config, Path(tmp)))
                times.append(time.perf_counter() - started)
                items = run.items
    median = statistics.median(times)
    print(json.dumps({"feeds": str(args.feeds), "categories": categories, "papers": items,
                      "repeats": args.repeat, "median_seconds": round(median, 3),
                      "papers_per_second": round(items / median, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
