"""Text from PDFs that the tests generate: readable, encrypted, scanned, corrupt, longer than the page limit."""
from __future__ import annotations

import pytest

from services.summarizer.document import Role, UnreadableText
from services.summarizer.pdf_text import extract_pdf
from tests.summarizer.documents import corrupt_pdf, scanned_pdf, text_pdf


def test_a_papers_sections_come_out_with_their_roles_and_without_references() -> None:
    sections, more = extract_pdf(text_pdf("Hopping marsupials", "WALLABY"), 100, 1_000_000)
    kept = [(s.heading, s.role) for s in sections if s.role != Role.DROP]
    assert kept == [("1 Introduction", Role.INTRO), ("2 Related Work", Role.OTHER), ("3 Method", Role.METHOD),
                    ("4 Results", Role.RESULTS), ("5 Conclusion", Role.CONCLUSION)]
    text = " ".join(s.text for s in sections if s.role != Role.DROP)
    assert "WALLABY-intro: we study why marsupials hop." in text and "quokkas reach 42.0 hops per second" in text
    assert "WALLABY-reference" not in text  # the references list is dropped
    assert "Hopping marsupials" not in text  # the title block (the metadata gives it cleanly)
    assert not more


def test_pages_past_the_limit_are_not_read_and_that_is_said() -> None:
    sections, more = extract_pdf(text_pdf("Long", "LONG", pages=4), 1, 1_000_000)
    assert more
    assert sum(s.text.count("LONG-intro") for s in sections) < 4


@pytest.mark.parametrize(("data", "reason"), [
    (text_pdf("Secret", "SECRET", encrypt=True), "the PDF is encrypted"),
    (scanned_pdf(), "the PDF has no text layer"),
    (corrupt_pdf(), "the PDF could not be read"),
    (b"<html>not a pdf at all</html>", "the PDF could not be read"),
    (b"%PDF-1.7\n" + b"\x00" * 5000, "the PDF could not be read"),
], ids=["encrypted", "scanned", "corrupt", "not-a-pdf", "zeros"])
def test_unusable_pdfs_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableText) as refused:
        extract_pdf(data, 100, 1_000_000)
    assert refused.value.reason == reason
