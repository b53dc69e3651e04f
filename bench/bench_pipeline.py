"""Benchmark: `arxiv-bot run --once` (fetch, parse, store, score, publish in one process, SQLite) over arXiv-layout
feeds.

    .venv/bin/python bench/bench_pipeline.py FEED_DIR [--repeat N]

FEED_DIR holds `<category>.xml` files (the real day: ../shared/data/arxiv/day-2024-11-28; a 12,507-item day:
`python3 ../shared/tools/make_feeds.py corpus /tmp/corpus.jsonl DIR 12964 cs.CV cs.AI cs.LG cs.CL cs.IT math.IT
quant-ph cs.RO cs.DS cs.CC cs.CR cs.NI` after gunzipping the corpus). Each repeat is a fresh process on a fresh
SQLite file, so every paper is new and the peak resident memory (the child's ru_maxrss) is that run's alone; no
LLM (summaries are disabled), so what is measured is our own code. Prints, as medians: the seconds `run_once`
took (what the pipeline costs) and the seconds of the whole process (interpreter and imports included), feed
items per second for both, the process's CPU seconds (user + system; what a loaded machine does not inflate as
much as wall time), and the largest peak RSS.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def feed_items(folder: Path) -> int:
    return sum(path.read_text(encoding="utf-8").count("<item>") for path in folder.glob("*.xml"))


def child(feeds: str, base: str) -> None:
    """One run, in this process: what `arxiv-bot run --once` does, timed from inside."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from arxiv_bot.embedded import run_once
    from shared.config import BotConfig
    from shared.settings import Settings

    imported = time.perf_counter()
    categories = sorted(p.stem for p in Path(feeds).glob("*.xml"))
    config = BotConfig(categories=categories, days_back=3650)
    config.ai_summary.enabled = False
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", arxiv_rss_base_url=base,
                            arxiv_min_delay_seconds=0)
        began = time.perf_counter()
        result = asyncio.run(run_once(settings, config, Path(tmp)))
        run, selected = result.run, result.selected
        done = time.perf_counter()
    print(json.dumps({"papers": run.items, "selected": selected.get("default", 0), "import_seconds": imported - started,
                      "run_once_seconds": done - began}))


def one_run(feeds: Path, base: str) -> dict:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, str(feeds), "--child", base], stdout=out, stderr=err,
                                env={**os.environ, "LOG_LEVEL": "WARNING"})
        # The child's own peak RSS, not the largest of all children. (exec adds the high-water mark of the image it
        # replaces, this process's, to it: about 64 MB with the big day's feeds served, below any child's peak.)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"the run failed ({proc.returncode}): {err.read()[-2000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    # CPU seconds say what the run costs even when other work shares the cores (wall time then depends on them).
    return {**result, "process_seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(str(args.feeds), args.child)
        return
    sys.path.insert(0, str(ROOT))
    from tests.servers import FakeArxiv

    items = feed_items(args.feeds)
    with FakeArxiv(args.feeds) as arxiv:
        runs = [one_run(args.feeds, arxiv.base) for _ in range(args.repeat)]
    inner = statistics.median(r["run_once_seconds"] for r in runs)
    whole = statistics.median(r["process_seconds"] for r in runs)
    print(json.dumps({"feeds": str(args.feeds), "feed_items": items, "papers": runs[0]["papers"],
                      "selected": runs[0]["selected"], "repeats": args.repeat, "load_average": os.getloadavg()[0],
                      "run_once_seconds": [round(r["run_once_seconds"], 3) for r in runs],
                      "median_run_once_seconds": round(inner, 3), "items_per_second": round(items / inner, 1),
                      "median_process_seconds": round(whole, 3), "process_items_per_second": round(items / whole, 1),
                      "median_process_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
                      "peak_rss_mb": [round(r["peak_rss_mb"], 1) for r in runs],
                      "max_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1)}))


if __name__ == "__main__":
    main()
