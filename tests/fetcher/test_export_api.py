"""The export API client: arXiv's real answers parse to their entries, its error body is a clear error, and
lookups and searches page through a local server with the API's parameters."""
from __future__ import annotations

from datetime import date

import pytest

from services.fetcher.export_api import ApiError, lookup, parse_response, search
from services.fetcher.polite import arxiv_client
from tests.conftest import settings_for
from tests.data import shared_data
from tests.export_api_server import FakeApi

API = "arxiv/atom_api/"
COUNTS = {"api2016_idlist_1111.2011v2.xml": 1, "api2016_search_au_del_maestro.xml": 10,
          "api2026_idlist_0000.0000_empty.xml": 0, "api2026_idlist_2104.12255v1_versioned.xml": 1,
          "api2026_idlist_astro-ph_0601001_legacy_id.xml": 1, "api2026_idlist_two_ids.xml": 1,
          "api2026_search_cat-cs.LG-OR-cs.AI_max20.xml": 20, "api2026_search_testing_start0_max100.xml": 100,
          "api2026_search_testing_start10_max10.xml": 10}


@pytest.mark.parametrize("name, count", sorted(COUNTS.items()))
def test_every_real_answer_parses_to_its_entries(name: str, count: int) -> None:
    page = parse_response(shared_data(API + name).read_bytes())
    assert len(page.entries) == count and not page.bad
    assert all(e.title and e.abstract and e.authors and e.categories for e in page.entries)


def test_comments_journal_reference_and_doi_are_read() -> None:
    (entry,) = parse_response(shared_data(API + "api2016_idlist_1111.2011v2.xml").read_bytes()).entries
    assert (entry.arxiv_id, entry.version) == ("1111.2011", 2)
    assert entry.comments == "8 pages, 3 figures. Published version"
    assert entry.journal_ref == "Phys. Rev. B 85, 115117 (2012)" and entry.doi == "10.1103/PhysRevB.85.115117"
    assert entry.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert entry.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert entry.published == date(2011, 11, 8) and entry.updated == date(2012, 4, 2)
    assert entry.title.startswith("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
                                  "Connectivity")


def test_a_legacy_id_and_a_paging_header() -> None:
    (legacy,) = parse_response(shared_data(API + "api2026_idlist_astro-ph_0601001_legacy_id.xml").read_bytes()).entries
    assert legacy.arxiv_id == "astro-ph/0601001"
    page = parse_response(shared_data(API + "api2026_search_testing_start10_max10.xml").read_bytes())
    assert page.start == 10 and page.total == 214_881
    assert page.entries[0].arxiv_id == "2403.16981" and page.entries[0].comments.startswith("Comments welcome")


def test_the_api_error_body_is_a_clear_error() -> None:
    with pytest.raises(ApiError, match="the export API refused the query: incorrect id format for abc"):
        parse_response(shared_data(API + "api2026_idlist_abc_error_http400.xml").read_bytes())


@pytest.mark.parametrize("body, words", [(b"<html>busy</html>", "not an Atom feed"), (b"<feed", "not XML")])
def test_what_is_not_the_api_feed_is_a_clear_error(body: bytes, words: str) -> None:
    with pytest.raises(ApiError, match=words):
        parse_response(body)


async def test_search_pages_through_with_start_and_max_results() -> None:
    with FakeApi(shared_data("arxiv/atom_api")) as server:
        settings = settings_for(None, arxiv_api_base_url=server.url + "/api/query", arxiv_api_min_delay_seconds=0,
                                arxiv_contact="ops@example.org")
        client = arxiv_client(settings)
        try:
            entries = [e async for e in search(client, settings, "all:testing", page_size=30, limit=1000)]
            capped = [e async for e in search(client, settings, "all:testing", start=90, page_size=30, limit=5)]
        finally:
            await client.aclose()
    assert len(entries) == 100 and len({e.arxiv_id for e in entries}) == 100
    assert [(q["start"], q["max_results"]) for q in server.queries[:4]] == [("0", "30"), ("30", "30"), ("60", "30"),
                                                                           ("90", "30")]
    assert len(capped) == 5 and server.queries[-1]["max_results"] == "5"
    assert all("ops@example.org" in agent for agent in server.agents)


async def test_lookup_by_ids_leaves_unknown_ones_out_and_a_malformed_one_is_the_apis_error() -> None:
    with FakeApi(shared_data("arxiv/atom_api")) as server:
        settings = settings_for(None, arxiv_api_base_url=server.url + "/api/query", arxiv_api_min_delay_seconds=0)
        wanted = [key for key, _ in server.entries[:3]]
        client = arxiv_client(settings)
        try:
            found = await lookup(client, settings, [*wanted, "0000.0000"])
            with pytest.raises(ApiError, match="incorrect id format for abc"):
                await lookup(client, settings, ["abc"])
        finally:
            await client.aclose()
    assert [e.arxiv_id for e in found] == wanted
    assert server.queries[0]["id_list"] == ",".join([*wanted, "0000.0000"])
