"""Benchmark: many papers against many profiles in one pass, and the naive loop it replaces.

    .venv/bin/python bench/bench_scoring.py [--corpus PATH] [--papers 10000] [--profiles 1000]
        [--keywords 30] [--seed 7] [--repeat 3] [--naive-sample 40]

Papers are the first N real records of ../shared/data/arxiv/corpus.jsonl.gz, each a new item of the feed of
its primary category. Profiles are built deterministically from the seed out of a realistic vocabulary:
the reference bot's 30 keywords, words and two-word phrases frequent in the corpus, and its acronyms; some
weighted, some profiles with exclusions, authors to boost and a few categories.

The naive loop does what a straightforward implementation would: for each profile, for each paper, for
each keyword, search the paper's (already normalised) text. It runs on a sample of papers, is checked
against the engine on that sample (same scores), and is extrapolated to all papers.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.scorer.matching import Matcher, is_acronym  # noqa: E402
from services.scorer.normalize import matching_form  # noqa: E402
from services.scorer.scoring import Candidate, Profile, Term, score_profiles  # noqa: E402
from services.scorer.tally import Hits, Tally, find_all, profile_terms  # noqa: E402
from shared.config import DEFAULT_KEYWORDS  # noqa: E402

TODAY = date(2024, 11, 29)
_STOPWORDS = """a an the and or of in on for to with by from as at is are was were be been being this that these
those we our us it its their they them which who whom whose what when where how than then there here such
into onto over under via can could may might will would should must not no nor only also both each more most
other some any all many much few very well while however therefore thus based using use used paper propose
proposed show shows results approach method methods model models new novel study work data task tasks"""
STOPWORDS = frozenset(_STOPWORDS.split())


def load_papers(path: Path, n: int) -> list[Candidate]:
    papers = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            r = json.loads(line)
            papers.append(Candidate(r["id"], r["title"], r["abstract"], "new", r.get("primary_category") or "",
                                    None, tuple(r.get("authors") or ()), tuple(r.get("categories") or ())))
            if len(papers) == n:
                break
    return papers


def vocabulary(papers: list[Candidate]) -> tuple[list[str], list[str], list[str]]:
    """Frequent words, frequent two-word phrases and acronyms of the corpus, by document frequency."""
    words, pairs, acronyms = Counter(), Counter(), Counter()
    for paper in papers:
        raw = re.findall(r"[A-Za-z][A-Za-z0-9]+", f"{paper.title} {paper.abstract}")
        low = [w.lower() for w in raw]
        # Distinct per paper, in text order: Counter breaks ties by first sight, so the vocabulary (and the
        # profiles) do not depend on string hashing.
        words.update(dict.fromkeys(w for w in low if len(w) > 3 and w not in STOPWORDS).keys())
        pairs.update(dict.fromkeys(f"{a} {b}" for a, b in pairwise(low) if a not in STOPWORDS
                                   and b not in STOPWORDS and len(a) > 2 and len(b) > 2).keys())
        acronyms.update(dict.fromkeys(w for w in raw if is_acronym(w) and len(w) > 1 and not w.endswith("s")).keys())
    return ([w for w, _ in words.most_common(2000)[30:]], [p for p, _ in pairs.most_common(1000)],
            [a for a, c in acronyms.most_common(300) if c >= 3])


def make_profiles(papers: list[Candidate], n: int, k: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)
    words, phrases, acronyms = vocabulary(papers)
    categories = [c for c, _ in Counter(p.feed_category for p in papers).most_common(8)]
    authors = [a for p in papers[:2000] for a in p.authors]
    profiles = []
    for i in range(n):
        picks = (rng.sample(DEFAULT_KEYWORDS, 5) + rng.sample(acronyms, 4) + rng.sample(phrases, 8)
                 + rng.sample(words, k - 17))
        keywords = [Term(t, rng.choice([1, 1, 1, 1.5, 2])) for t in picks[:k]]
        cats = tuple(rng.sample(categories, rng.randint(1, 3))) if rng.random() < 0.5 else ()
        profiles.append(Profile(
            f"p{i:04d}", keywords=keywords, categories=cats,
            exclude_keywords=rng.sample(["survey", "review", "tutorial", "position paper", "benchmark"],
                                        rng.randint(0, 3)),
            authors_boost=[Term(a, 2) for a in rng.sample(authors, rng.randint(0, 2))]))
    return profiles


def naive_pattern(term: str) -> re.Pattern[str]:
    """One regex per keyword over the folded text, with the same rules as the engine."""
    folded = matching_form(term).strip()
    body = re.escape(" " + folded)
    last = re.findall(r"[^\W_]+", term)[-1]
    if is_acronym(last):
        return re.compile(body.removesuffix("s") + r"s?(?= )" if last.endswith("s") else body + r"s?(?= )")
    if folded.endswith("y") and len(last) > 2 and folded[-2] not in "aeiou":
        return re.compile(re.escape(" " + folded[:-1]) + "(?:y|ies|ied)")
    if folded.endswith("e") and len(last) > 3 and not folded.endswith("ee"):
        return re.compile(re.escape(" " + folded[:-1]) + "(?:e|ing)")
    return re.compile(body)


def naive(papers: list[Candidate], profiles: list[Profile]) -> dict[str, dict[str, float]]:
    """for each profile, for each paper, for each keyword: search. Scores of papers with a hit, per profile."""
    texts = [(matching_form(p.title), matching_form(p.abstract)) for p in papers]
    patterns = {t.text: naive_pattern(t.text) for pr in profiles for t in pr.keywords}
    scores: dict[str, dict[str, float]] = {}
    for profile in profiles:
        mine = scores[profile.name] = {}
        for paper, (title, abstract) in zip(papers, texts, strict=True):
            if profile.categories and paper.feed_category not in profile.categories:
                continue
            if any(naive_pattern(x).search(title) or naive_pattern(x).search(abstract)
                   for x in profile.exclude_keywords):
                continue
            total, hit = 0.0, False
            for term in profile.keywords:
                pattern = patterns[term.text]
                if pattern.search(title):
                    total, hit = total + term.weight * profile.title_weight, True
                elif pattern.search(abstract):
                    total, hit = total + term.weight * profile.abstract_weight, True
            booked = {a.casefold() for a in paper.authors}
            for boost in profile.authors_boost:
                if boost.text.casefold() in booked:
                    total, hit = total + boost.weight, True
            if hit:
                mine[paper.arxiv_id] = round(total, 6)
    return scores


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def cpu_timed(fn, *args):
    """Wall and CPU seconds: other work on the machine stretches the first, much less the second."""
    cpu = time.process_time()
    result, wall = timed(fn, *args)
    return result, wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared/data/arxiv/corpus.jsonl.gz")
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--keywords", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=40)
    args = parser.parse_args()

    papers = load_papers(args.corpus, args.papers)
    profiles = make_profiles(papers, args.profiles, args.keywords, args.seed)
    totals, cpus, phases = [], [], []
    load_before = os.getloadavg()[0]
    for _ in range(args.repeat):
        selections, total, cpu = cpu_timed(score_profiles, papers, profiles, TODAY)
        totals.append(total)
        cpus.append(cpu)
        # The same steps one by one, to show where the time goes.
        matcher = Matcher()
        terms, compile_s = timed(lambda m=matcher: [profile_terms(p, m) for p in profiles])
        _, build_s = timed(matcher.build)
        hits = Hits()
        numbers, match_s = timed(find_all, hits, matcher, papers)
        tally, tally_s = timed(Tally, hits, numbers, terms, len(matcher))
        step = tally.block_size()
        _, blocks_s = timed(lambda t=tally, n=step: [t.block(lo, min(lo + n, t.profiles))
                                                      for lo in range(0, t.profiles, n)])
        phases.append((compile_s + build_s, match_s, tally_s + blocks_s))
    median, cpu = statistics.median(totals), statistics.median(cpus)
    load_after = os.getloadavg()[0]
    compile_s, match_s, tally_s = (statistics.median(p[i] for p in phases) for i in range(3))

    sample = papers[:args.naive_sample]
    naive_scores, naive_s = timed(naive, sample, profiles)
    check = score_profiles(sample, [Profile(p.name, p.keywords, p.exclude_keywords, p.categories,
                                            max_papers=10_000, min_score=-1, authors_boost=p.authors_boost)
                                    for p in profiles], TODAY)
    engine_scores = {name: {s.candidate.arxiv_id: round(s.score, 6) for s in sel.selected}
                     for name, sel in check.items()}
    agree = engine_scores == naive_scores
    naive_all = naive_s * len(papers) / len(sample)

    selected = sum(len(s.selected) for s in selections.values())
    rows = [
        ("papers x profiles x keywords", f"{len(papers):,} x {len(profiles):,} x {args.keywords}"),
        ("distinct terms in the automaton", f"{len(matcher):,}"),
        ("(hit, posting) pairs summed", f"{tally.pairs:,}"),
        ("compile the terms + build the automaton", f"{compile_s:.2f} s"),
        ("normalise + match every paper once", f"{match_s:.2f} s"),
        ("tally: sum the (hit, posting) pairs per profile (numpy)", f"{tally_s:.2f} s"),
        ("read, rank, cut and explain, per profile (the rest)",
         f"{max(0.0, median - compile_s - match_s - tally_s):.2f} s"),
        (f"score_profiles, all steps: wall time (median of {args.repeat})", f"{median:.2f} s"),
        (f"score_profiles, all steps: CPU time (median of {args.repeat})", f"{cpu:.2f} s"),
        ("papers selected over all profiles", f"{selected:,}"),
        (f"naive loop on {len(sample)} papers", f"{naive_s:.2f} s"),
        (f"naive loop extrapolated to {len(papers):,} papers", f"{naive_all:,.0f} s ({naive_all / 60:.0f} min)"),
        ("speed-up (naive extrapolated / wall time)", f"{naive_all / median:,.1f}x"),
        ("naive and engine scores agree on the sample", "yes" if agree else "NO"),
        ("peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"),
        ("machine load (1-min average, before / after)",
         f"{load_before:.1f} / {load_after:.1f} on {os.cpu_count()} cores"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    if not agree:
        sys.exit("the naive loop and the engine disagree")


if __name__ == "__main__":
    main()
