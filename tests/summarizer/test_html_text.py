"""Text from arXiv's HTML rendering: what is kept, what is dropped, and hostile pages."""
from __future__ import annotations

import pytest

from services.summarizer.document import Role, UnreadableText
from services.summarizer.html_text import extract_html
from tests.summarizer.documents import html_page


def test_sections_keep_headings_paragraphs_captions_and_formulas_as_latex() -> None:
    sections = extract_html(html_page("Hopping", "QUOKKA"), 1_000_000)
    assert [(s.heading, s.role) for s in sections] == [
        ("1 Introduction", Role.INTRO), ("2 Related Work", Role.OTHER), ("3 Method", Role.METHOD),
        ("4 Results", Role.RESULTS), ("5 Conclusion", Role.CONCLUSION)]
    text = "\n".join(s.text for s in sections)
    assert "QUOKKA-intro: we study why marsupials hop." in text
    assert "quokkas reach 42.0 hops per second" in text
    assert "Energy is E=mc^{2} ." in text  # the formula's LaTeX, not its MathML
    assert "QUOKKA-caption of the hop counter" in text


@pytest.mark.parametrize("noise", ["navigation", "script", "reference", "footnote"])
def test_navigation_scripts_references_and_footnotes_are_dropped(noise: str) -> None:
    sections = extract_html(html_page("Hopping", "QUOKKA"), 1_000_000)
    assert all(f"QUOKKA-{noise}" not in s.text and f"QUOKKA-{noise}" not in s.heading for s in sections)


def test_tables_keep_their_rows_and_captions() -> None:
    table = ('<figure class="ltx_table"><figcaption class="ltx_caption">Table 2: Hops by species.</figcaption>'
             '<table class="ltx_tabular"><tr><td>Species</td><td>Hops/s</td></tr>'
             '<tr><td>Quokka</td><td>42.0</td></tr></table></figure>')
    page = html_page("T", "Q").replace(b'<figure class="ltx_figure">', table.encode() + b'<figure class="ltx_figure">')
    text = "\n".join(s.text for s in extract_html(page, 1_000_000))
    assert "Table 2: Hops by species." in text and "Species | Hops/s" in text and "Quokka | 42.0" in text


def test_subsections_stay_inside_their_section_with_their_headings() -> None:
    page = (b'<html><body><article class="ltx_document"><section class="ltx_section"><h2>3 Method</h2>'
            b'<section class="ltx_subsection"><h3>3.1 Counting</h3><p>' + b"We count. " * 120 +
            b'</p></section></section></article></body></html>')
    (section,) = extract_html(page, 1_000_000)
    assert section.heading == "3 Method" and section.text.startswith("### 3.1 Counting\n\nWe count.")


def test_text_is_cut_at_max_chars() -> None:
    sections = extract_html(html_page("Hopping", "QUOKKA"), 2_000)
    assert sum(len(s.text) for s in sections) == 2_000


@pytest.mark.parametrize("page", [
    b"", b"   ", b"\x00\xff\xfe garbage", b"<html><body><p>HTML conversion failed.</p></body></html>",
    b'<html><body><article class="ltx_document"><h1>Title</h1></article></body></html>',
], ids=["empty", "blank", "binary", "stub", "no-body"])
def test_a_page_without_a_paper_is_refused_with_a_reason(page: bytes) -> None:
    with pytest.raises(UnreadableText) as refused:
        extract_html(page, 1_000_000)
    assert refused.value.reason in ("the HTML page could not be parsed", "the HTML page has no body text")


def test_text_nested_past_the_depth_limit_is_not_read_and_nothing_crashes() -> None:
    deep = b"<html><body>" + b"<div>" * 10_000 + b"deep text " * 200 + b"</div>" * 10_000 + b"</body></html>"
    with pytest.raises(UnreadableText, match="no body text"):
        extract_html(deep, 1_000_000)
    nested = b"<html><body>" + b"<div>" * 150 + b"nested text " * 200 + b"</div>" * 150 + b"</body></html>"
    assert "nested text" in extract_html(nested, 1_000_000)[0].text


def test_plain_html_without_latexml_markup_is_read_too() -> None:
    page = (b"<html><body><h2>Introduction</h2><p>" + b"Plain words here. " * 80 + b"</p>"
            b"<div>Loose text in a div <b>with bold</b> and a tail.</div></body></html>")
    text = "\n".join(s.text for s in extract_html(page, 1_000_000))
    assert "Plain words here." in text and "Loose text in a div with bold and a tail." in text
