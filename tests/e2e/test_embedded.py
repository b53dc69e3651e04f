"""`arxiv-bot run --once`: the whole pipeline in one process on SQLite, against local arXiv and LLM servers."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.data import shared_data
from tests.e2e.cli import arxiv_bot, child_env, command
from tests.feeds import EMPTY, Item, feed
from tests.servers import FakeArxiv, FakeLLM

# The reference bot's selection for 2024-11-28 with its own config.json, in its order. The first five and
# their scores were measured with the reference's own code; the rest follow its rules (ties keep fetch order).
REFERENCE_SELECTION = [
    "2411.18148v1", "2411.17712v1", "2411.18376v1", "2411.18077v1", "2411.17741v1", "2411.18612v1",
    "2411.18010v1", "2411.18462v1", "2411.18553v1", "2411.17833v1", "2411.18424v1", "2411.17866v1",
    "2411.17705v1", "2411.17720v1", "2411.18564v1", "2411.17831v1", "2411.17796v1", "2411.17782v1",
    "2411.18234v1", "2411.18305v1", "2411.17967v1", "2411.18520v1", "2411.17760v1", "2411.17861v1",
    "2411.17971v1", "2411.17989v1", "2411.18015v1", "2411.18220v1", "2411.18235v1", "2411.18152v1"]


def reference_config(tmp_path: Path) -> Path:
    config = json.loads(shared_data("reference/config.json").read_text())
    config["days_back"] = 3650  # the real day is in 2024; the window must reach it
    config["scoring_mode"] = "reference"  # the reference's exact selection, quirks included
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def readme_ids(readme: str) -> list[str]:
    return re.findall(r"\*\*ArXiv ID\*\*: (\S+)", readme)


@pytest.fixture
def day() -> Path:
    return shared_data("arxiv/day-2024-11-28")


def test_the_real_day_gives_the_reference_selection_with_summaries_and_reruns_ask_nothing(
        tmp_path: Path, day: Path) -> None:
    config = reference_config(tmp_path)
    with FakeArxiv(day) as arxiv, FakeLLM() as llm:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, ARXIV_BASE_URL=arxiv.url, LLM_BASE_URL=llm.url + "/v1",
                        DASHSCOPE_API_KEY="test-key")
        first = arxiv_bot("run", "--once", "--config", str(config), "--out", "out", cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        readme = (tmp_path / "out/README.md").read_text()
        assert len(llm.requests) == 15
        second = arxiv_bot("run", "--once", "--config", str(config), "--out", "out", cwd=tmp_path, env=env)
        assert second.returncode == 0, second.stderr
        assert len(llm.requests) == 15  # every summary came from the cache
    assert readme_ids(readme) == REFERENCE_SELECTION
    scores = re.findall(r"\*\*Score\*\*: (\S+)", readme)
    assert scores[:5] == ["8.5", "8.0", "8.0", "7.0", "7.0"]
    assert re.findall(r"\*\*Category\*\*: (\S+)", readme)[0] == "cs.LG"
    assert readme.count("<summary><strong>🤖 AI Summary (by qwen-long)</strong>") == 15
    assert (tmp_path / "out/README.md").read_text() == readme  # the second run published the same digest
    rss = ElementTree.parse(tmp_path / "out/feed.xml").getroot()
    guids = [g.text.removeprefix("oai:arXiv.org:") for g in rss.iter("guid")]
    assert guids == REFERENCE_SELECTION
    for category in ("cs.AI", "cs.CL", "cs.DC", "cs.LG"):
        items = ElementTree.parse(tmp_path / f"out/feeds/{category}.xml").getroot().findall("channel/item")
        assert items and all(category in [c.text for c in i.findall("category")] for i in items)
    assert "376 papers, 376 new, 30 selected" in first.stdout
    # The same feeds again: arXiv has not announced since, so the run is stale; it scores the day it still
    # shows again (a config edited meanwhile would take effect), and the digest is the same.
    assert "stale (cs.AI stale, cs.CL stale, cs.DC stale, cs.LG stale); 376 papers, 0 new, 30 selected" \
        in second.stdout


def test_without_an_api_key_the_digest_goes_out_without_summaries(tmp_path: Path, day: Path) -> None:
    config = reference_config(tmp_path)
    with FakeArxiv(day) as arxiv, FakeLLM() as llm:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, ARXIV_BASE_URL=arxiv.url, LLM_BASE_URL=llm.url + "/v1")
        result = arxiv_bot("run", "--once", "--config", str(config), "--out", ".", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    readme = (tmp_path / "README.md").read_text()
    assert readme_ids(readme) == REFERENCE_SELECTION and "<details>" not in readme
    assert llm.requests == [] and "summaries disabled" in result.stderr


def test_a_key_mended_or_a_language_changed_the_same_day_shows_in_the_digest_at_once(tmp_path: Path) -> None:
    # A first run with a wrong key: the model refuses it, the digest goes out without summaries and the run's
    # line says why. The user mends the key and runs again while arXiv has not announced since (a stale run):
    # the summaries are made and the digest shows them now, not after the next announcement.
    config = tmp_path / "config.json"
    settings = {"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
                "ai_summary": {"max_papers_to_summarize": 6, "max_workers": 2}}
    items = [Item(f"2411.0000{n}", f"Sparse paper {n}") for n in range(1, 8)]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv, FakeLLM() as llm:
        runs = []
        for key, language in (("wrong", "en"), ("test-key", "en"), ("test-key", "en"), ("test-key", "zh")):
            settings["ai_summary"]["language"] = language
            config.write_text(json.dumps(settings))
            env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, ARXIV_BASE_URL=arxiv.url, LLM_BASE_URL=llm.url + "/v1",
                            DASHSCOPE_API_KEY=key)
            result = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
            runs.append((result, (tmp_path / "digest/README.md").read_text()))
        # The wrong key was tried by the requests already in flight (max_workers), not once per paper.
        assert 1 <= llm.unauthorized <= 2 and len(llm.requests) == 12
        assert all("Chinese" in r["messages"][0]["content"] for r in llm.requests[6:])
    (first, before), (mended, after), (again, last), (chinese, _) = runs
    assert "7 selected; summaries: 6 failed (HTTP 401 from the model: bad key)" in first.stdout
    warnings = [line for line in first.stderr.splitlines() if " WARNING " in line]
    assert len([w for w in warnings if "HTTP 401" in w]) == 1 and "<details>" not in before
    assert "stale" in mended.stdout and "summaries: 6 done" in mended.stdout
    assert after.count("<details>") == 6 and "(new digest)" in mended.stderr
    assert "summaries: 6 reused" in again.stdout and "the current digest stays" in again.stderr
    assert last == after
    # Summaries in another language (or by another model, or prompt) show at once too.
    assert "summaries: 6 done" in chinese.stdout and "(new digest)" in chinese.stderr


def test_a_weekend_keeps_the_last_digest_and_a_dead_arxiv_fails_loudly(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650,
                                  "ai_summary": {"enabled": False}}))
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", [Item("2411.00001", "Sparse things")])}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, HTTP_RETRIES="0")
        assert arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env).returncode == 0
        friday = (tmp_path / "digest/README.md").read_text()  # ./digest is where run --once writes by default
        arxiv.feeds["cs.AI"] = EMPTY
        saturday = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
        assert saturday.returncode == 0 and "run " in saturday.stdout and ": empty" in saturday.stdout
        assert (tmp_path / "digest/README.md").read_text() == friday
        arxiv.feeds.clear()
        outage = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
    assert outage.returncode == 1 and "every feed failed" in outage.stderr
    assert (tmp_path / "digest/README.md").read_text() == friday


def test_a_config_with_a_wrong_type_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"max_papers": "thirty"}))
    result = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=child_env())
    assert result.returncode == 2 and "max_papers" in result.stderr and "Traceback" not in result.stderr


def test_a_second_run_once_on_the_same_store_waits_for_the_first(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650,
                                  "min_score": 0, "ai_summary": {"enabled": False}}))
    items = [Item(f"2411.{n:05d}", f"Sparse things {n}") for n in range(1, 21)]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base)
        store = tmp_path / "arxiv-bot.db"
        # Held by someone else (as a run in progress holds it): the run says so once, waits, then runs.
        with store.open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            waiting = subprocess.Popen([*command(), "run", "--once", "--config", str(config)], cwd=tmp_path, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(3)
            assert waiting.poll() is None  # still waiting
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, err
        assert err.count("another `arxiv-bot run --once` is using arxiv-bot.db: waiting for it to finish") == 1
        # Two at once (a cron job and a run by hand): the second used to take over the first's live fetch and
        # fail with a traceback. Now both finish, one after the other, and every paper is stored once.
        both = [subprocess.Popen([*command(), "run", "--once", "--config", str(config), "--out", name], cwd=tmp_path,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for name in ("a", "b")]
        results = [(proc.wait(timeout=120), proc.communicate()[1]) for proc in both]
    assert [code for code, _ in results] == [0, 0], results
    assert all("Traceback" not in err for _, err in results)
    for name in ("a", "b"):
        assert len(readme_ids((tmp_path / name / "README.md").read_text())) == 20
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("SELECT count(*), count(DISTINCT arxiv_id) FROM papers").fetchone() == (20, 20)
        assert db.execute("SELECT count(*) FROM fetch_runs").fetchone() == (3,)


def test_an_output_that_cannot_be_written_whole_leaves_the_previous_one_and_is_named(tmp_path: Path) -> None:
    # A full disk, simulated by a file-size limit on a real process: the write fails partway through.
    (tmp_path / "out").mkdir()
    (tmp_path / "out/feed.xml").write_text("<rss>yesterday's</rss>")
    script = ("import sys\nfrom pathlib import Path\nfrom arxiv_bot.embedded import _write\n"
              "_write([(Path('out/README.md'), 'small'), (Path('out/feed.xml'), 'x' * 100_000)])\n")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "OSError: [Errno 27] File too large: 'out/feed.xml'"
    assert (tmp_path / "out/feed.xml").read_text() == "<rss>yesterday's</rss>"
    assert (tmp_path / "out/README.md").read_text() == "small"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.md", "feed.xml"]  # no partial left


def test_a_store_that_cannot_grow_is_one_error_line_and_the_next_run_recovers(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650,
                                  "min_score": 0, "ai_summary": {"enabled": False}}))
    # 2 KB abstracts: the feed (and the fetch's own temporary files) stay under the limit below, while the store,
    # which keeps each abstract with the paper and in its version history, passes it.
    abstract = "Sparse methods for large models, studied at length. " * 40
    items = [Item(f"2411.{n:05d}", f"Sparse things {n}", abstract, ["cs.AI"]) for n in range(1, 121)]

    def full_disk() -> None:  # no file can pass 400 KB, as on a full disk: the new store can, not its papers
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base)
        full = subprocess.run([*command(), "run", "--once", "--config", str(config)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, preexec_fn=full_disk, timeout=120)
        assert full.returncode == 1 and "Traceback" not in full.stderr
        assert full.stderr.strip().splitlines()[-1] == "error: the store at DATABASE_URL failed: disk I/O error"
        room = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
    assert room.returncode == 0, room.stderr
    assert len(readme_ids((tmp_path / "digest/README.md").read_text())) == 30
    assert "120 papers, 120 new, 30 selected" in room.stdout  # the fetch left unfinished, taken over and done


def test_a_daily_store_keeps_what_is_served_and_prunes_the_rest(tmp_path: Path) -> None:
    # Retention shortened to a moment: each run prunes as the services do hourly.
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650,
                                  "min_score": 0, "ai_summary": {"enabled": False}}))
    days = [("Thu, 28 Nov 2024 00:00:00 -0500", "2411.00001"), ("Fri, 29 Nov 2024 00:00:00 -0500", "2411.00002")]
    with FakeArxiv(feeds={}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, OUTBOX_RETENTION_DAYS="1e-9", PUBLICATION_RETENTION_DAYS="1e-9")
        for pub, arxiv_id in days:
            arxiv.feeds["cs.AI"] = feed("cs.AI", [Item(arxiv_id, "Sparse things")], pub=pub)
            result = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
    with contextlib.closing(sqlite3.connect(tmp_path / "arxiv-bot.db")) as db:
        kept = db.execute("SELECT name, announced FROM publications ORDER BY name, announced").fetchall()
        assert db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone() == (0,)
    assert ("days/2024-11-28.html", "2024-11-28") in kept and ("days/2024-11-29.html", "2024-11-29") in kept
    assert ("README.md", "2024-11-29") in kept and ("README.md", "2024-11-28") not in kept
    assert {day for name, day in kept if not name.startswith("days/")} == {"2024-11-29"}
    assert readme_ids((tmp_path / "digest/README.md").read_text()) == ["2411.00002v1"]


def test_a_profile_removed_from_config_json_loses_its_files_and_nothing_else(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    lab = {"categories": ["cs.AI"], "keywords": ["Graph"], "min_score": 0}
    settings = {"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
                "ai_summary": {"enabled": False}}
    config.write_text(json.dumps({**settings, "profiles": {"lab": lab}}))
    items = [Item("2411.00001", "Sparse things", categories=["cs.AI"]), Item("2411.00002", "Graph things",
                                                                             categories=["cs.AI"])]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base)
        assert arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env).returncode == 0
        folder = tmp_path / "digest/profiles/lab"
        assert readme_ids((folder / "README.md").read_text()) == ["2411.00002v1"]
        (folder / "notes.txt").write_text("mine")  # someone's own file beside the outputs
        config.write_text(json.dumps(settings))
        result = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == ["notes.txt"]
    assert "files of the deleted profile 'lab'" in result.stderr
    assert readme_ids((tmp_path / "digest/README.md").read_text()) == ["2411.00001v1"]
    (folder / "notes.txt").unlink()
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        again = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path,
                          env=child_env(ARXIV_RSS_BASE_URL=arxiv.base))
    assert again.returncode == 0 and "deleted profile" not in again.stderr  # nothing left to remove


def test_a_category_no_longer_followed_loses_its_feeds_and_nothing_else(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    settings = {"keywords": ["Sparse"], "days_back": 3650, "min_score": 0, "ai_summary": {"enabled": False}}
    feeds = {c: feed(c, [Item(f"2411.0000{n}", f"Sparse things {n}", categories=[c])])
             for n, c in enumerate(("cs.AI", "cs.CL"), 1)}
    with FakeArxiv(feeds=feeds) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base)
        config.write_text(json.dumps({**settings, "categories": ["cs.AI", "cs.CL"]}))
        assert arxiv_bot("run", "--once", "--config", str(config), "--out", ".", cwd=tmp_path, env=env).returncode == 0
        made = sorted(p.name for p in (tmp_path / "feeds").iterdir())
        assert made == [f"cs.{c}.{ext}" for c in ("AI", "CL") for ext in ("atom", "json", "rss", "xml")]
        (tmp_path / "feeds/mine.xml").write_text("<rss/>")  # someone's own feed beside ours
        config.write_text(json.dumps({**settings, "categories": ["cs.AI"]}))
        result = arxiv_bot("run", "--once", "--config", str(config), "--out", ".", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == [
        "cs.AI.atom", "cs.AI.json", "cs.AI.rss", "cs.AI.xml", "mine.xml"]
    assert "removed 4 files of feeds no longer made for 'default'" in result.stderr
    assert readme_ids((tmp_path / "README.md").read_text()) == ["2411.00001v1"] and config.exists()


def test_a_config_edited_the_same_day_shows_its_new_selection_at_once(tmp_path: Path) -> None:
    # arXiv has not announced since the first run (the second is stale); the researcher changed a keyword
    # meanwhile and runs again: the digest follows the edit now, not at the next announcement.
    config = tmp_path / "config.json"
    settings = {"categories": ["cs.AI"], "days_back": 3650, "min_score": 0, "ai_summary": {"enabled": False}}
    items = [Item("2411.00001", "Sparse attention"), Item("2411.00002", "Graph networks")]
    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base)
        digests = []
        for keywords in (["Sparse"], ["Graph"], ["Graph"]):
            config.write_text(json.dumps({**settings, "keywords": keywords}))
            result = arxiv_bot("run", "--once", "--config", str(config), cwd=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
            digests.append((readme_ids((tmp_path / "digest/README.md").read_text()), result.stderr))
    assert [ids for ids, _ in digests] == [["2411.00001v1"], ["2411.00002v1"], ["2411.00002v1"]]
    assert "stale" in digests[1][1] and "(new digest)" in digests[1][1]
    # The same profile again: its digest stays as it is (papers aging out of a short days_back while arXiv is
    # closed never empty it).
    assert "is stale for 'default': the current digest stays" in digests[2][1]


def local_links(page: Path) -> list[Path]:
    """The files a page's relative links point at (arXiv's own links left aside)."""
    hrefs = re.findall(r'href="([^"]+)"', page.read_text())
    return [(page.parent / href).resolve() for href in hrefs if "://" not in href]


def test_pages_make_a_folder_a_static_site_whose_links_all_resolve(tmp_path: Path) -> None:
    # Two announcement days, two profiles, `--pages`: each profile's index.html and day pages, linked within the
    # folder (feeds, earlier days, the page itself, the icon), so a static host or the disk serves it as is.
    # Then a profile is removed from config.json: its pages go with its other files.
    config = tmp_path / "config.json"
    settings = {"categories": ["cs.AI", "cs.CL"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
                "ai_summary": {"enabled": False}}
    config.write_text(json.dumps({**settings, "profiles": {"lab": {"categories": ["cs.CL"], "keywords": ["Graph"]}}}))
    days = [("Thu, 28 Nov 2024 00:00:00 -0500", "1"), ("Fri, 29 Nov 2024 00:00:00 -0500", "2")]
    site = tmp_path / "site"
    with FakeArxiv(feeds={}) as arxiv:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, PUBLIC_URL="https://me.github.io/digest")
        for pub, n in days:
            for c, category in enumerate(("cs.AI", "cs.CL")):
                arxiv.feeds[category] = feed(category, [Item(f"2411.0{n}{c}01", f"Sparse {n}"),
                                                        Item(f"2411.0{n}{c}02", f"Graph {n}")], pub=pub)
            result = arxiv_bot("run", "--once", "--config", str(config), "--out", "site", "--pages", cwd=tmp_path,
                               env=env)
            assert result.returncode == 0, result.stderr
        pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
        assert pages == ["days/2024-11-28.html", "days/2024-11-29.html", "index.html",
                         "profiles/lab/days/2024-11-28.html", "profiles/lab/days/2024-11-29.html",
                         "profiles/lab/index.html"]
        for page in site.rglob("*.html"):
            links = local_links(page)
            assert links and all(link.is_file() for link in links), page
            assert (site / "favicon.svg").resolve() in links and 'href="/' not in page.read_text()
        home = local_links(site / "index.html")
        assert {site / "feed.rss", site / "feeds/cs.CL.atom", site / "days/2024-11-28.html"} <= set(home)
        assert (site / "index.html").resolve() in local_links(site / "profiles/lab/../../days/2024-11-28.html")
        assert "Graph 2" in (site / "profiles/lab/index.html").read_text()
        # The feeds' own links name the folder's files where PUBLIC_URL serves it.
        channel = ElementTree.parse(site / "profiles/lab/feed.rss").getroot().find("channel")
        self_link = channel.find("{http://www.w3.org/2005/Atom}link").get("href")
        assert (channel.findtext("link"), self_link) == ("https://me.github.io/digest/profiles/lab/",
                                                         "https://me.github.io/digest/profiles/lab/feed.rss")
        assert json.loads((site / "feed.json").read_text())["feed_url"] == "https://me.github.io/digest/feed.json"
        config.write_text(json.dumps(settings))
        removed = arxiv_bot("run", "--once", "--config", str(config), "--out", "site", "--pages", cwd=tmp_path,
                            env=env)
        # Without --pages the folder holds what it always did: no page, no icon.
        plain = arxiv_bot("run", "--once", "--config", str(config), "--out", "plain", cwd=tmp_path, env=env)
    assert removed.returncode == 0, removed.stderr
    assert not (site / "profiles").exists() and (site / "index.html").is_file()
    assert plain.returncode == 0 and not list((tmp_path / "plain").rglob("*.html"))
    assert not (tmp_path / "plain/favicon.svg").exists()
