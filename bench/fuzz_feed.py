"""Fuzz the RSS feed parser (services/fetcher/arxiv.py) with hypothesis for a fixed time or number of examples.

Inputs (tests/hostile/feed_strategies.py): arbitrary bytes, feeds in arXiv's layout holding arbitrary items,
items whose fields go in unescaped, and a valid feed mutated byte by byte or with XML's sharp edges spliced
in. The invariant checked on every one: parse_feed returns a Feed whose every item is within the bounds, or
raises FeedError; any other exception, or an item out of bounds, is a crash. Crashes are collected (not
stopped at), grouped by exception type and place, and the smallest input of each group is printed.

    .venv/bin/python bench/fuzz_feed.py --minutes 5
    .venv/bin/python bench/fuzz_feed.py --examples 20000 --seed 1
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile.feed_strategies import any_feed, parse_or_feed_error  # noqa: E402

BATCH = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="stop after this long (default 5)")
    parser.add_argument("--examples", type=int, default=0, help="stop after this many examples (0: no limit)")
    parser.add_argument("--seed", type=int, default=None, help="a fixed seed, to replay a run")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # every skipped item is logged at warning: millions of lines otherwise

    outcomes: Counter[str] = Counter()
    crashes: dict[str, tuple[int, bytes, str]] = {}  # place -> (count, smallest input, traceback)

    @settings(max_examples=BATCH, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(any_feed)
    def one(data: bytes) -> None:
        try:
            parsed = parse_or_feed_error(data)
        except Exception as exc:  # noqa: BLE001 - a crash is what this run looks for: record it, go on
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            place = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            count, smallest, trace = crashes.get(place, (0, data, traceback.format_exc()))
            crashes[place] = (count + 1, min(smallest, data, key=len), trace)
            outcomes["crash"] += 1
            return
        outcomes["feed error" if parsed is None else "items" if parsed.items else "no items"] += 1

    started = time.monotonic()
    batch = 0
    while True:
        if args.seed is not None:
            seed(args.seed + batch)(one)()
        else:
            one()
        batch += 1
        elapsed = time.monotonic() - started
        total = sum(outcomes.values())
        if elapsed >= args.minutes * 60 or (args.examples and total >= args.examples):
            break
    total = sum(outcomes.values())
    print(f"examples run: {total:,} in {elapsed:.0f} s ({total / elapsed:,.0f}/s)")
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    print(f"crashes found: {len(crashes)} kinds, {outcomes['crash']:,} inputs")
    for place, (count, smallest, trace) in crashes.items():
        print(f"\n--- {place}: {count} inputs; smallest ({len(smallest)} bytes): {smallest[:300]!r}\n{trace}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
