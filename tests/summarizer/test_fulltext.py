"""Which text a paper's summary reads, from a local arXiv: HTML, else PDF, else the abstract, and why."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from shared.models import Paper
from shared.runtime import Env
from services.summarizer.fulltext import full_text
from tests.servers import FakeArxiv
from tests.summarizer.documents import corrupt_pdf, html_page, scanned_pdf, text_pdf

MB = 1024 * 1024


def paper(arxiv_id: str = "2411.00001", version: int = 2) -> Paper:
    return Paper(arxiv_id=arxiv_id, version=version, title="Hopping", abstract="We hop.", authors=["A. Lovelace"],
                 categories=["cs.AI"], primary_category="cs.AI", announce_type="new", announced=date(2024, 11, 28),
                 abs_url="", pdf_url="", content_hash="x", first_seen_at=None, updated_at=None)


@pytest.fixture
def arxiv(sqlite_env: Env) -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        sqlite_env.settings.arxiv_base_url = server.url
        yield server


async def test_the_html_rendering_comes_first(sqlite_env: Env, arxiv: FakeArxiv) -> None:
    arxiv.html["2411.00001v2"] = html_page("Hopping", "HTMLTEXT")
    arxiv.pdf["2411.00001v2"] = text_pdf("Hopping", "PDFTEXT")
    text = await full_text(sqlite_env, paper())
    assert text.source == "html" and "HTMLTEXT-method" in " ".join(s.text for s in text.sections)
    assert arxiv.fulltext_requests == ["/html/2411.00001v2"]


async def test_without_html_the_pdf_is_read(sqlite_env: Env, arxiv: FakeArxiv) -> None:
    arxiv.pdf["2411.00001v2"] = text_pdf("Hopping", "PDFTEXT")
    text = await full_text(sqlite_env, paper())
    assert text.source == "pdf" and "PDFTEXT-results" in " ".join(s.text for s in text.sections)
    assert arxiv.fulltext_requests == ["/html/2411.00001v2", "/pdf/2411.00001v2"]


async def test_the_file_mode_reads_the_pdf_first_and_keeps_the_file(sqlite_env: Env, arxiv: FakeArxiv) -> None:
    arxiv.html["2411.00001v2"] = html_page("Hopping", "HTMLTEXT")
    arxiv.pdf["2411.00001v2"] = text_pdf("Hopping", "PDFTEXT")
    text = await full_text(sqlite_env, paper(), pdf_first=True)
    assert text.source == "pdf" and text.pdf == arxiv.pdf["2411.00001v2"]


@pytest.mark.parametrize(("pdf", "detail"), [
    (None, "no full text available"),
    (corrupt_pdf(), "the PDF could not be read"),
    (text_pdf("Secret", "SECRET", encrypt=True), "the PDF is encrypted"),
    (scanned_pdf(), "the PDF has no text layer"),
], ids=["missing", "corrupt", "encrypted", "scanned"])
async def test_without_a_usable_full_text_the_abstract_is_read_and_the_reason_kept(
        sqlite_env: Env, arxiv: FakeArxiv, pdf: bytes | None, detail: str) -> None:
    if pdf is not None:
        arxiv.pdf["2411.00001v2"] = pdf
    text = await full_text(sqlite_env, paper())
    assert (text.source, text.detail, text.sections) == ("abstract", detail, [])


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared"])
async def test_a_200_mb_body_is_refused_without_reading_it_all(sqlite_env: Env, arxiv: FakeArxiv,
                                                              declared: bool) -> None:
    sqlite_env.settings.fulltext_max_pdf_bytes = 1 * MB
    arxiv.huge["/pdf/2411.00001v2"] = (200 * MB, declared)
    text = await full_text(sqlite_env, paper())
    assert (text.source, text.detail) == ("abstract", "the full text is larger than the download limit")
    # The server wrote what the socket buffers took before the client hung up: nowhere near 200 MB.
    assert arxiv.sent.get("/pdf/2411.00001v2", 0) < 40 * MB


async def test_a_server_that_does_not_answer_in_time_is_given_up(sqlite_env: Env, arxiv: FakeArxiv) -> None:
    sqlite_env.settings.fulltext_timeout_seconds = 0.3
    arxiv.stall["/html/2411.00001v2"] = arxiv.stall["/pdf/2411.00001v2"] = 3
    text = await full_text(sqlite_env, paper())
    assert (text.source, text.detail) == ("abstract", "arXiv did not answer in time")


async def test_an_unreachable_arxiv_gives_the_abstract(sqlite_env: Env) -> None:
    sqlite_env.settings.arxiv_base_url = "http://127.0.0.1:9"
    text = await full_text(sqlite_env, paper())
    assert (text.source, text.detail) == ("abstract", "arXiv could not be reached")
