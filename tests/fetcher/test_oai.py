"""OAI-PMH pages: arXiv's real ones parse to the right records and tokens; errors and hostile input are clear."""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from services.fetcher.oai import Harvest, OaiError, parse_page
from services.fetcher.oai_harvest import list_records, peek_token
from services.fetcher.polite import arxiv_client
from tests.conftest import settings_for
from tests.data import shared_data
from tests.oai_server import OaiServer, load_corpus
from tests.servers import _Quiet, _Server

PAGES = "arxiv/oai_pmh/oai_ListRecords_arXiv_set-cs_2016_page{}.xml"


def _oai(body: str) -> bytes:
    return ('<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
            f'{body}</ListRecords></OAI-PMH>').encode()


def _record(inner: str, identifier: str = "oai:arXiv.org:2411.00001") -> str:
    return (f'<record><header><identifier>{identifier}</identifier><datestamp>2024-11-02</datestamp></header>'
            f'<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/">{inner}</arXiv></metadata></record>')


GOOD = ("<id>2411.00001</id><created>2024-11-01</created><authors><author><keyname>Lee</keyname>"
        "<forenames>Ada</forenames></author></authors><title>A  title\n  on two lines</title>"
        "<categories>cs.AI cs.LG</categories><abstract>  First line\nsecond line.\n</abstract>")


def test_the_real_last_page_has_538_records_and_no_further_token() -> None:
    page = parse_page(shared_data(PAGES.format(103)).read_bytes())
    assert len(page.records) == 538 and page.token is None
    assert page.cursor == 102000 and page.complete_list_size == 102538
    assert not page.bad and not page.deleted
    last = page.records[-1]
    assert last.arxiv_id == "quant-ph/9912100" and last.version == 1
    assert last.authors == ["Masanori Ohya", "Igor V. Volovich"]
    assert last.categories[0] == "quant-ph" and "cs.CC" in last.categories
    assert last.comments == "11 pages, 1 figure" and last.doi is None
    assert last.created == date(1999, 12, 21) and last.datestamp == date(2007, 5, 23)
    assert last.title == "Quantum Computing, NP-complete Problems and Chaotic Dynamics"


def test_the_real_first_page_has_1000_records_and_the_next_token() -> None:
    page = parse_page(shared_data(PAGES.format(1)).read_bytes())
    assert len(page.records) == 1000 and page.token == "1122234|1001"
    by_id = {r.arxiv_id: r for r in page.records}
    assert len(by_id) == 1000
    paper = by_id["0704.0046"]
    assert paper.journal_ref == "J. Math. Phys. 48(2007), 092102." and paper.doi == "10.1063/1.2779138"
    assert paper.authors == ["I. Csiszar", "F. Hiai", "D. Petz"]
    assert by_id["0704.0002"].abstract.startswith("We describe a new algorithm")
    assert "\n" in by_id["0704.0002"].abstract  # line breaks kept, as the feeds' abstracts


MEMORY_PROBE = """
import resource, sys
from services.fetcher.oai import parse_page
record = ('<record><header status="deleted"><identifier>oai:arXiv.org:0704.0001</identifier>'
          '<datestamp>2020-01-01</datestamp><setSpec>cs</setSpec></header></record>')
body = ('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>' + record * int(sys.argv[1])
        + '</ListRecords></OAI-PMH>').encode()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
page = parse_page(body)
assert page.deleted == int(sys.argv[1]), page.deleted
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_records_are_forgotten_as_they_are_read() -> None:
    """Parsing a 30 MB page of 200,000 records (deleted ones: nothing of them is kept) costs no more memory
    than the bytes already hold: the tree never holds more than the record at hand."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, "200000"], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 10_000  # KiB; a kept tree of 200,000 records would be well over 100 MB


def test_arxivraw_gives_versions_and_splits_its_author_string() -> None:
    raw = ('<record><header><identifier>oai:arXiv.org:0704.0001</identifier><datestamp>2008-11-13</datestamp>'
           '</header><metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0704.0001</id>'
           '<version version="v1"><date>Mon, 2 Apr 2007 19:18:42 GMT</date></version>'
           '<version version="v2"><date>Tue, 24 Jul 2007 20:10:27 GMT</date></version>'
           '<title>Calculation of prompt diphoton production</title>'
           '<authors>C. Bal\\&#39;azs, E. L. Berger (ANL, Argonne), P. M. Nadolsky and C.-P. Yuan</authors>'
           '<categories>hep-ph</categories><comments>37 pages</comments><doi>10.1103/PhysRevD.76.013009</doi>'
           '<abstract>A fully differential calculation.</abstract></arXivRaw></metadata></record>')
    (record,) = parse_page(_oai(raw), "arXivRaw").records
    assert record.version == 2 and record.created == date(2007, 4, 2)
    assert record.authors == ["C. Bal\\'azs", "E. L. Berger (ANL, Argonne)", "P. M. Nadolsky", "C.-P. Yuan"]
    assert record.doi == "10.1103/PhysRevD.76.013009" and record.comments == "37 pages"


def test_a_broken_record_is_skipped_and_named_and_the_others_kept() -> None:
    page = parse_page(_oai(_record(GOOD) + _record(GOOD.replace("cs.AI cs.LG", "cs.AI no/such;category"))
                           + _record(GOOD.replace("2411.00001", "not-an-id"), "oai:arXiv.org:bad")
                           + _record(GOOD.replace("A  title", "T" * 5000))
                           + '<record><header status="deleted"><identifier>oai:arXiv.org:1</identifier>'
                             '</header></record>'))
    assert [r.arxiv_id for r in page.records] == ["2411.00001", "2411.00001"]
    assert page.deleted == 1 and len(page.bad) == 2
    assert "not-an-id" in page.bad[0] and "title of 5013 characters exceeds 1000" in page.bad[1]
    record, odd = page.records
    # What is not an arXiv category name (an ACM class a mirror mixed in) is left out, not the paper.
    assert odd.categories == ["cs.AI"] and odd.left_out == ("no/such;category",)
    assert record.left_out == () and record.categories == ["cs.AI", "cs.LG"]
    assert record.title == "A title on two lines" and record.abstract == "First line\nsecond line."


@pytest.mark.parametrize("code", ["badArgument", "badResumptionToken", "cannotDisseminateFormat"])
def test_oai_errors_are_clear_errors(code: str) -> None:
    body = (f'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="{code}">'
            'The value of the argument is wrong</error></OAI-PMH>').encode()
    with pytest.raises(OaiError, match=f"OAI-PMH {code}: The value of the argument is wrong") as caught:
        parse_page(body)
    assert caught.value.code == code


def test_an_absurd_resumption_token_is_refused() -> None:
    with pytest.raises(OaiError, match="a resumption token of 5000 characters"):
        parse_page(_oai(_record(GOOD) + f"<resumptionToken>{'x' * 5000}</resumptionToken>"))


def test_no_records_match_is_an_empty_result() -> None:
    page = parse_page(b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="noRecordsMatch">'
                      b'nothing</error></OAI-PMH>')
    assert page.records == [] and page.token is None


@pytest.mark.parametrize("body, words", [
    (b"<html><body>Service unavailable</body></html>", "not an OAI-PMH document"),
    (b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords><record>", "not well-formed"),
    (b"", "not well-formed"),
])
def test_what_is_not_an_oai_page_is_a_clear_error(body: bytes, words: str) -> None:
    with pytest.raises(OaiError, match=words):
        parse_page(body)


def test_entities_are_never_expanded_nor_fetched() -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY ext SYSTEM "file:///etc/passwd">]>' + _oai(_record(
                  GOOD.replace("A  title", "A &b; &ext; title"))).decode().split("?>", 1)[1])
    page = parse_page(laughs.encode())
    (record,) = page.records
    assert "aaaa" not in record.title and "root:" not in record.title


async def test_pages_follow_tokens_through_flow_control_with_spaced_requests() -> None:
    papers = load_corpus(shared_data("arxiv/corpus.jsonl.gz"))[:2500]
    with OaiServer(papers, page_size=1000, busy_every=2, retry_after=1) as server:
        settings = settings_for(None, arxiv_oai_base_url=server.base, arxiv_api_min_delay_seconds=0.2,
                                arxiv_contact="ops@example.org")
        client = arxiv_client(settings)
        started = time.monotonic()
        try:
            pages = [page async for page in list_records(client, settings, Harvest("arXiv", None, date(2000, 1, 1),
                                                                                   date(2030, 1, 1)))]
        finally:
            await client.aclose()
        elapsed = time.monotonic() - started
    assert [len(p.records) for p in pages] == [1000, 1000, 500] and pages[-1].token is None
    assert {r.arxiv_id for p in pages for r in p.records} == {p["id"] for p in papers}
    # Requests 2 and 4 were 503s; they cost no retry (HTTP_RETRIES is 0 here) and were waited for.
    assert server.statuses() == [200, 503, 200, 503, 200]
    gaps = [b - a for a, b in zip(server.times, server.times[1:], strict=False)]
    assert all(gap >= 0.19 for gap in gaps), gaps
    assert gaps[1] >= 0.99 and gaps[3] >= 0.99  # Retry-After: 1 honoured
    assert elapsed >= 2.0


async def test_a_flow_control_wait_beyond_the_bound_fails_the_page() -> None:
    papers = load_corpus(shared_data("arxiv/corpus.jsonl.gz"))[:10]
    with OaiServer(papers, busy_every=1, retry_after=1) as server:
        settings = settings_for(None, arxiv_oai_base_url=server.base, arxiv_api_min_delay_seconds=0,
                                arxiv_oai_max_wait_seconds=2)
        client = arxiv_client(settings)
        try:
            with pytest.raises(Exception, match="HTTP 503"):
                async for _ in list_records(client, settings, Harvest()):
                    pass
        finally:
            await client.aclose()
    assert server.statuses() == [503, 503, 503]  # two waits of 1 s, then the bound


async def test_a_server_side_error_answer_is_raised_with_its_words() -> None:
    with OaiServer(load_corpus(shared_data("arxiv/corpus.jsonl.gz"))[:10]) as server:
        settings = settings_for(None, arxiv_oai_base_url=server.base, arxiv_api_min_delay_seconds=0)
        client = arxiv_client(settings)
        try:
            with pytest.raises(OaiError, match="badResumptionToken"):
                async for _ in list_records(client, settings, Harvest(), token="expired|1000"):
                    pass
            empty = [p async for p in list_records(client, settings, Harvest("arXiv", "cs", date(1980, 1, 1),
                                                                             date(1980, 2, 1)))]
        finally:
            await client.aclose()
    assert len(empty) == 1 and empty[0].records == [] and empty[0].token is None
    await asyncio.sleep(0)


class _Stuck(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        self.server.owner.asked += 1  # type: ignore[attr-defined]
        self.reply(200, _oai(_record(GOOD) + "<resumptionToken>stuck|1</resumptionToken>"), "text/xml")


async def test_a_server_that_repeats_its_token_is_stopped_not_followed_for_ever() -> None:
    with _Server(_Stuck) as server:
        server.asked = 0  # type: ignore[attr-defined]
        settings = settings_for(None, arxiv_oai_base_url=server.url + "/oai", arxiv_api_min_delay_seconds=0)
        client = arxiv_client(settings)
        pages = 0
        try:
            with pytest.raises(OaiError, match=re.escape("answered token 'stuck|1' with the same token")):
                async for _ in list_records(client, settings, Harvest()):
                    pages += 1
        finally:
            await client.aclose()
    assert pages == 1 and server.asked == 2  # type: ignore[attr-defined]


def test_the_next_token_is_peeked_from_the_end_of_a_page() -> None:
    for name in ("oai_ListRecords_arXiv_set-cs_2016_page1.xml", "oai_ListRecords_arXiv_set-cs_2016_page103.xml"):
        page = shared_data(f"arxiv/oai_pmh/{name}").read_bytes()
        assert peek_token(page) == parse_page(page).token  # a token on the first page, none on the last
    last = b'<ListRecords><record/><resumptionToken cursor="12000" completeListSize="12964"/></ListRecords>'
    empty = b'<ListRecords><record/><resumptionToken cursor="12000"></resumptionToken></ListRecords>'
    assert peek_token(last) is None and peek_token(empty) is None
    prefixed = b'<o:resumptionToken cursor="0">12|1000</o:resumptionToken></o:ListRecords>'
    assert peek_token(prefixed) == "12|1000" and peek_token(b"<OAI-PMH/>") is None
