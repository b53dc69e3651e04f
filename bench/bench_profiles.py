"""Benchmark: `run --once` with one profile against the same run with 1,000 profiles (the scorer issue's goal:
at most twice the time).

    .venv/bin/python bench/bench_profiles.py FEED_DIR [--profiles 1000] [--repeat 3]

FEED_DIR holds `<category>.xml` files in arXiv's layout, e.g. a 10,000-paper day built from the corpus:
    gunzip -c ../shared/data/arxiv/corpus.jsonl.gz > /tmp/corpus.jsonl
    python3 ../shared/tools/make_feeds.py corpus /tmp/corpus.jsonl /tmp/day10k 10000 cs.CV cs.AI cs.LG cs.CL

The profiles are bench_scoring.py's (seed 7: 30 keywords each from the reference's list, the corpus's
acronyms, phrases and frequent words; half limited to one to three of the day's categories; some exclude
keywords and boosted authors), written as config.json's `profiles`, so the whole pipeline runs them: fetch,
store, score every profile in one pass, and render and write every profile's README, feeds and page.
Each repeat uses a fresh SQLite store and no LLM. Prints the median wall time of each and their ratio.
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
from bench.bench_scoring import load_papers, make_profiles  # noqa: E402
from services.fetcher.arxiv import parse_feed  # noqa: E402
from shared.config import BotConfig  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.servers import FakeArxiv  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv" / "corpus.jsonl.gz"


def profile_config(profile, categories: list[str]) -> dict:  # noqa: ANN001
    entry: dict = {"keywords": [{"term": t.text, "weight": t.weight} for t in profile.keywords],
                   "exclude_keywords": list(profile.exclude_keywords),
                   "authors": {"boost": [{"name": a.text, "weight": a.weight} for a in profile.authors_boost]}}
    if profile.categories:  # the corpus's commonest categories, mapped onto the day's
        entry["categories"] = sorted({c if c in categories else categories[sum(map(ord, c)) % len(categories)]
                                      for c in profile.categories})
    return entry


def config_for(n: int, categories: list[str]) -> BotConfig:
    base = dict(categories=categories, days_back=3650)
    if n > 1:
        papers = load_papers(CORPUS, 10_000)
        profiles = make_profiles(papers, n - 1, 30, 7)
        base["profiles"] = {p.name: profile_config(p, categories) for p in profiles}
    config = BotConfig(**base)
    config.ai_summary.enabled = False
    return config


def run(feeds: Path, config: BotConfig, repeat: int) -> tuple[float, int, int]:
    times, items, selected = [], 0, 0
    with FakeArxiv(feeds) as arxiv:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                # No politeness pause between feeds (1 s each by default): a wait we choose, not our code's cost,
                # and it would hide 11 s of the one-profile run's time (as in bench_pipeline.py).
                settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", arxiv_rss_base_url=arxiv.base,
                                    arxiv_min_delay_seconds=0)
                started = time.perf_counter()
                once = asyncio.run(run_once(settings, config, Path(tmp)))
                result, picked = once.run, once.selected
                times.append(time.perf_counter() - started)
                items, selected = result.items, sum(picked.values())
    return statistics.median(times), items, selected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", type=Path)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    categories = sorted(p.stem for p in args.feeds.glob("*.xml"))
    items = sum(len(parse_feed(p.read_bytes(), p.stem).items) for p in args.feeds.glob("*.xml"))
    one = run(args.feeds, config_for(1, categories), args.repeat)
    many = run(args.feeds, config_for(args.profiles, categories), args.repeat)
    with open("/proc/loadavg") as load:
        loadavg = load.read().split()[0]
    print(json.dumps({"feeds": str(args.feeds), "feed_items": items, "papers": one[1], "repeats": args.repeat,
                      "one_profile_seconds": round(one[0], 2), "profiles": args.profiles,
                      "many_profiles_seconds": round(many[0], 2), "ratio": round(many[0] / one[0], 2),
                      "selected_one": one[2], "selected_many": many[2], "load_1min": loadavg,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
