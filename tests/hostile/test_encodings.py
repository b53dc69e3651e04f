"""Text that is not text: invalid UTF-8, a wrong declared encoding, NUL and control bytes, lone surrogates, in
feed items (fetched into PostgreSQL, whose text type refuses NUL, and SQLite) and in LLM answers (through the
summarizer into the store, the README and the feeds).

The feed is read as UTF-8 whatever it declares (arXiv serves nothing else): a byte that is not UTF-8 costs a
replacement character, a raw control character costs itself, a reference to a character XML forbids costs its
item; a body in another encoding altogether is a clear error for its category. An LLM answer is cleaned (NUL,
controls and lone surrogates go) or, if nothing printable is left or it cannot be decoded, that paper's summary
fails with the reason; the others are summarized and the digest is published.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from sqlmodel import select

from shared.config import BotConfig
from shared.models import Paper, RunSummary, Summary
from shared.runtime import Env
from services.fetcher.fetch import fetch_now
from tests.feeds import Item, feed
from tests.servers import FakeArxiv, FakeLLM
from tests.summarizer.runs import cfg, published, run

FINE = Item("2411.00009", "Schrödinger's café", "Plain abstract.", categories=["cs.LG"])


def spoiled_feed() -> bytes:
    body = feed("cs.AI", [Item(f"2411.0000{n}", f"Title {n}", f"Abstract {n} here.") for n in range(1, 7)])
    return (body.replace(b"Abstract 1 here.", b"Abstract \xff\xfe\xc3( here.")        # invalid UTF-8
            .replace(b"Title 2", b"Title\x00 2\x01\x1b[31m")                          # NUL, controls, ANSI
            .replace(b"Abstract 3 here.", b"Abstract &#0; here.")                      # a reference to NUL
            .replace(b"Abstract 4 here.", b"Abstract \xed\xa0\x80 here.")              # a UTF-8-encoded surrogate
            .replace(b"Abstract 5 here.", b"Abstract &#xD800; here.")                  # a reference to one
            .replace(b"Ada Lovelace, Alan Turing", b"Ada\x00 Lovelace, \xc0\xafAlan Turing", 1))  # overlong "/"


async def fetch(env: Env, feeds: dict[str, bytes]):  # noqa: ANN201
    with FakeArxiv(feeds=feeds) as arxiv:
        env.settings.arxiv_rss_base_url = arxiv.base
        run_, started = await fetch_now(env, BotConfig(categories=list(feeds)), "test")
    assert started
    async with env.sessions() as session:
        return run_, {p.arxiv_id: p for p in await session.exec(select(Paper))}


def printable(text: str) -> bool:
    return not any(ord(c) < 0x20 and c not in "\t\n" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


async def test_broken_characters_in_feed_items_cost_only_themselves(store_env: Env) -> None:
    run_, papers = await fetch(store_env, {"cs.AI": spoiled_feed(), "cs.LG": feed("cs.LG", [FINE])})
    assert (run_.status, sorted(papers)) == ("ok", ["2411.00001", "2411.00002", "2411.00004", "2411.00006",
                                                    "2411.00009"])
    assert papers["2411.00001"].abstract == "Abstract \ufffd\ufffd\ufffd( here."
    assert papers["2411.00002"].title == "Title 2[31m"
    assert papers["2411.00004"].abstract == "Abstract \ufffd\ufffd\ufffd here."
    assert papers["2411.00001"].authors == ["Ada Lovelace", "\ufffd\ufffdAlan Turing"]
    assert papers["2411.00009"].title == "Schrödinger's café"
    assert all(printable(p.title + p.abstract + "".join(p.authors)) for p in papers.values())
    (cs_ai, _) = run_.feeds
    assert [b.split(":")[1].strip() for b in cs_ai["bad_items"]] == ["2411.00003", "2411.00005"]
    assert all("names a character XML forbids" in b for b in cs_ai["bad_items"])


@pytest.mark.parametrize("declared", [b"ISO-8859-1", b"UTF-16", b"x-no-such-encoding"])
async def test_a_wrong_declared_encoding_is_ignored_the_body_is_read_as_utf8(pg_env: Env, declared: bytes) -> None:
    body = feed("cs.AI", [Item("2411.00001", "Schrödinger's café")]).replace(b"UTF-8", declared, 1)
    run_, papers = await fetch(pg_env, {"cs.AI": body})
    assert run_.status == "ok" and papers["2411.00001"].title == "Schrödinger's café"


@pytest.mark.parametrize(("encoding", "error"), [
    ("utf-16", "cs.AI: malformed XML (not well-formed (invalid token): line 1, column 0)"),
    ("cp500", "cs.AI: malformed XML (not well-formed (invalid token): line 1, column 2)"),  # EBCDIC
])
async def test_a_body_in_another_encoding_is_a_clear_error_for_its_category(pg_env: Env, encoding: str,
                                                                          error: str) -> None:
    body = feed("cs.AI", [Item("2411.00001", "Lost")]).decode().replace("UTF-8", encoding.upper()).encode(encoding)
    run_, papers = await fetch(pg_env, {"cs.AI": body, "cs.LG": feed("cs.LG", [FINE])})
    assert (run_.status, sorted(papers)) == ("partial", ["2411.00009"])
    assert run_.feeds[0]["error"] == error


# --- LLM answers ----------------------------------------------------------------------------------------

ANSWERS = {
    "Sparse one": "Key result\x00 with a NUL\x07 and a bell.",
    "Sparse two": "Lone \ud800 surrogate and an escaped pair \ud83d\ude00 here.",
    "Sparse three": "\x00\x01\x02 \udfff\ud800",  # two halves of a pair in the wrong order: two lone ones
    "Sparse four": "Fine answer.",
}
RAW = {  # bodies no JSON encoder writes, sent as they are
    "Sparse five": b'{"id":"x","object":"chat.completion","created":1,"model":"test-model","choices":[{"index":0,'
                   b'"finish_reason":"stop","message":{"role":"assistant","content":"bad \xff\xfe bytes"}}]}',
    "Sparse six": b'{"id":"x","object":"chat.completion","created":1,"model":"test-model","choices":[{"index":0,'
                  b'"finish_reason":"stop","message":{"role":"assistant","content":"nul \\u0000 escaped"}}]}',
}


def answer(messages: list[dict]) -> str:
    title = messages[-1]["content"].split("\n", 1)[0].removeprefix("Title: ")
    return ANSWERS[title]


@pytest.fixture
def env(pg_env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("ARXIV_BOT_TEST_KEY", "test-key")
    pg_env.settings.llm_backoff_seconds = 0.01
    return pg_env


async def test_broken_llm_answers_are_cleaned_or_fail_alone_and_the_digest_is_published(
        env: Env, tmp_path: Path) -> None:
    titles = [*ANSWERS, *RAW]
    items = [Item(f"2411.0000{n}", title, f"Sparse abstract {n}.") for n, title in enumerate(titles, start=1)]
    with FakeLLM(answer=answer) as llm:
        llm.raw_for = dict(RAW)
        run_id = await run(env, cfg(llm, wanted=len(items)), items)
    async with env.sessions() as session:
        rows = {s.arxiv_id: s for s in await session.exec(select(Summary))}
        outcomes = {o.arxiv_id: o.status for o in await session.exec(select(RunSummary))}
    texts = {titles[int(i[-1]) - 1]: (r.status, r.text, r.error) for i, r in rows.items()}
    assert texts["Sparse one"] == ("done", "Key result with a NUL and a bell.", None)
    assert texts["Sparse two"] == ("done", "Lone  surrogate and an escaped pair 😀 here.", None)
    assert texts["Sparse three"][0] == "failed" and "no printable text" in texts["Sparse three"][2]
    assert texts["Sparse four"] == ("done", "Fine answer.", None)
    assert texts["Sparse five"][0] == "failed" and texts["Sparse five"][2]  # undecodable: a reason, no traceback
    assert texts["Sparse six"] == ("done", "nul  escaped", None)
    assert sorted(outcomes.values()) == ["done"] * 4 + ["failed"] * 2
    readme, rss = await published(env, run_id)
    # The README stays a text file to git, and every feed parses.
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    kind = subprocess.run(["git", "diff", "--no-index", "--numstat", "/dev/null", "README.md"], cwd=tmp_path,
                          capture_output=True, text=True).stdout
    assert not kind.startswith("-\t-"), "git takes the README for a binary file"
    assert printable(readme) and "Key result with a NUL and a bell." in readme
    parsed = feedparser.parse(rss.encode())
    assert not parsed.bozo and len(parsed.entries) == len(items)
    etree.fromstring(rss.encode())
    assert json.dumps(readme).isascii()  # and it was encodable at all (no lone surrogate survived)
