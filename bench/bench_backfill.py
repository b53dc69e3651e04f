"""Benchmark: `arxiv-bot backfill`'s parse-and-store throughput, against the local OAI-PMH server.

    .venv/bin/python bench/bench_backfill.py [--records 1000 12964] [--stores postgresql sqlite] [--repeat 3]

The server (tests/oai_server.py, in this process) serves the real records of
../shared/data/arxiv/corpus.jsonl.gz in pages of 1,000 with no delays (no 503, ARXIV_API_MIN_DELAY_SECONDS=0),
so what is measured is download over loopback, parsing and storing. Each measurement is a child process
(`--child`) running the backfill code in-process against a fresh store (a new PostgreSQL database, or a new
SQLite file), so its peak RSS is its own; the first `--records` records of the corpus are served. Prints the
reference's yardstick first (feedparser over the real all-archives RSS day, parse only, items/s now), then one
JSON line per (store, records): records/s over the median of the repeats, the child's peak RSS, the load.
PostgreSQL: TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "arxiv" / "corpus.jsonl.gz"
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def child(url: str, base: str, passes: int = 1) -> dict:
    from services.fetcher.backfill import backfill
    from services.fetcher.oai import Harvest
    from shared.db import make_engine, make_sessions, migrate
    from shared.metrics import Metrics
    from shared.runtime import Env, make_http, tune_gc
    from shared.settings import Settings

    await migrate(url)
    settings = Settings(_env_file=None, database_url=url, arxiv_oai_base_url=base, arxiv_api_min_delay_seconds=0)
    engine = make_engine(url)
    env = Env(settings, make_sessions(engine), make_http(settings), Metrics("bench"))
    tune_gc()  # as `arxiv-bot backfill` does once its start-up is over
    samples: list[float] = []  # resident set after each page
    try:
        started, cpu = time.perf_counter(), time.process_time()
        tally = await backfill(env, Harvest("arXiv", None, date(2000, 1, 1), date(2030, 1, 1)),
                               on_page=lambda _: samples.append(rss_mb()))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for number in range(1, passes):  # the same records again under another harvest key: all unchanged
            await backfill(env, Harvest("arXiv", None, date(2000, 1, 1), date(2030, 1, 1 + number)),
                           on_page=lambda _: samples.append(rss_mb()))
    finally:
        await env.close()
        await engine.dispose()
    # `seconds` is the whole call; the search pass after the harvest (services/fetcher/searchable.py) is part of
    # it and is also given on its own, so the harvest (parse and store) is `seconds - search_seconds`.
    return {"records": tally.records, "new": tally.new, "pages": tally.pages, "seconds": seconds,
            "search_seconds": tally.searchable.seconds, "cpu_seconds": cpu, "searchable": tally.searchable.papers,
            "peak_rss_mb": first_peak,
            "peak_rss_all_passes_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_after_pages_mb": [round(sample, 1) for sample in samples]}


async def fresh_pg() -> tuple[str, str]:
    import asyncpg

    name = f"arxiv_bot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


async def drop_pg(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def measure(store: str, base: str, passes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        name = None
        if store == "postgresql":
            url, name = asyncio.run(fresh_pg())
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            flag = ["--passes", str(passes)]
            done = subprocess.run([sys.executable, __file__, "--child", url, base, *flag], capture_output=True,
                                  text=True, check=True)
        finally:
            if name:
                asyncio.run(drop_pg(name))
    return json.loads(done.stdout.strip().splitlines()[-1])


def reference_rate(repeat: int = 3) -> float:
    """The reference bot's way (feedparser over the RSS feed, nothing stored), items/s on this machine now: the
    same yardstick under the same load."""
    import feedparser

    body = (CORPUS.parent / "rss" / "rss2_all-archives_2024-11-28.xml").read_bytes()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        items = len(feedparser.parse(body).entries)
        times.append(time.perf_counter() - started)
    return items / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[1000, 12964])
    parser.add_argument("--stores", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--passes", type=int, default=1,
                        help="harvest the records this many times in one process (memory must stay flat)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "BASE"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(*args.child, args.passes))))
        return
    from tests.oai_server import OaiServer, load_corpus

    corpus = load_corpus(CORPUS)
    print(json.dumps({"reference_feedparser_items_per_second": round(reference_rate()),
                      "load_average": round(os.getloadavg()[0], 1)}), flush=True)
    for count in args.records:
        with OaiServer(corpus[:count], page_size=1000, busy_every=0, retry_after=0) as server:
            server.records("arXiv")  # rendered once, before any timing
            for store in args.stores:
                runs = [measure(store, server.base, args.passes)
                        for _ in range(args.repeat)]
                assert all(r["records"] == r["new"] == count for r in runs), runs
                seconds = statistics.median(r["seconds"] for r in runs)
                harvest = statistics.median(r["seconds"] - r["search_seconds"] for r in runs)
                search = statistics.median(r["search_seconds"] for r in runs)
                print(json.dumps({"store": store, "records": count, "pages": runs[0]["pages"],
                                  "repeats": args.repeat, "median_seconds": round(seconds, 3),
                                  # parsed and stored (the harvest), then made searchable (the bulk pass)
                                  "records_per_second": round(count / harvest),
                                  "search_pass_seconds": round(search, 3),
                                  "searchable": runs[0]["searchable"],
                                  "records_per_second_until_searchable": round(count / seconds),
                                  # this process's CPU (all its threads) over the whole call: what Python costs
                                  "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
                                  "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
                                  "passes": args.passes,
                                  "peak_rss_all_passes_mb": round(max(r["peak_rss_all_passes_mb"] for r in runs), 1),
                                  "rss_after_pages_mb": runs[-1]["rss_after_pages_mb"],
                                  "load_average": round(os.getloadavg()[0], 1)}), flush=True)


if __name__ == "__main__":
    main()
