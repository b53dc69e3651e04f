"""Readable text from arXiv's HTML rendering of a paper (LaTeXML output), parsed defensively.

Kept: section headings, paragraphs, lists, figure and table captions, table rows, formulas as their LaTeX
source (the `alttext` LaTeXML writes on every <math>). Dropped: navigation, page header and footer, the
references list, footnote bodies, scripts, styles, images and the MathML markup itself. The page is untrusted:
lxml's HTML parser never fetches anything, refuses trees deeper than libxml2's limit, and this walker stops
descending well before Python's recursion limit.
"""
from __future__ import annotations

import re

from lxml import etree, html

from services.summarizer.document import Role, Section, UnreadableText, clean_spaces, role_of

MIN_BODY_CHARS = 1_000  # less than this is a stub page ("conversion failed"), not a paper
MAX_DEPTH = 200
MAX_FORMULA_CHARS = 300
_DROP_TAGS = {"nav", "header", "footer", "script", "style", "noscript", "svg", "img", "button", "form", "input",
              "iframe", "object", "embed", "canvas", "audio", "video", "template", "head", "aside"}
_DROP_CLASSES = {"ltx_bibliography", "ltx_page_navbar", "ltx_page_header", "ltx_page_footer", "ltx_page_logo",
                 "ltx_note_outer", "ltx_role_footnote", "ltx_authors", "ltx_dates", "ltx_TOC", "ltx_ERROR",
                 "package-alerts", "ltx_pagination", "ltx_abstract", "ltx_title_document", "ltx_keywords",
                 "ltx_classification", "ltx_acknowledgements", "mob_header", "desktop_header", "ltx_tag_item"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "li", "dd", "dt", "blockquote", "pre", "td", "th"}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "del", "dfn", "em", "font", "i", "ins",
           "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u", "var",
           "wbr"}
_SECTIONS = {"ltx_section", "ltx_appendix", "ltx_chapter"}


def _classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def _unwanted(element: etree._Element) -> bool:
    return element.tag.lower() in _DROP_TAGS or bool(_classes(element) & _DROP_CLASSES)


def _prune(root: etree._Element) -> None:
    """Everything dropped goes before the walk, so no block's text can carry a footnote or a reference."""
    for element in [e for e in root.iter() if not isinstance(e.tag, str) or _unwanted(e)]:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the text that follows it


def _formulas_as_latex(root: etree._Element) -> None:
    for math in list(root.iter("math")):
        latex = " ".join((math.get("alttext") or "").split())
        text = f" {latex} " if latex and len(latex) <= MAX_FORMULA_CHARS else " [formula] "
        if math.getparent() is not None:
            math.tail = text + (math.tail or "")
            math.drop_tree()


def _inline(element: etree._Element) -> str:
    return " ".join(element.text_content().split())


class _Walker:
    """Splits the page into top-level sections; within one, emits each block of text once, in reading order."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, list[str]]] = [("", [])]

    def emit(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.sections[-1][1].append(text)

    def heading(self, text: str) -> None:
        if self.sections[-1][0] == "" and not self.sections[-1][1]:
            self.sections[-1] = (text, [])  # the section's own title
        else:
            self.emit(f"### {text}")

    def walk(self, element: etree._Element, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        tag, classes = element.tag.lower(), _classes(element)
        if tag == "section" and classes & _SECTIONS:
            self.sections.append(("", []))
        if tag in _HEADINGS:
            return self.heading(_inline(element))
        if tag == "figcaption" or "ltx_caption" in classes:
            return self.emit(_inline(element))
        if tag == "tr":
            return self.emit(" | ".join(c for c in (_inline(cell) for cell in element) if c))
        if tag in _BLOCKS and all(c.tag.lower() in _INLINE for c in element):
            return self.emit(_inline(element))
        # A container: runs of inline content between its block children are paragraphs of their own.
        run = [element.text or ""]
        for child in element:
            if child.tag.lower() in _INLINE:
                run.append(child.text_content())
            else:
                self.emit(" ".join(run))
                run = []
                self.walk(child, depth + 1)
            run.append(child.tail or "")
        self.emit(" ".join(run))


def extract_html(data: bytes, max_chars: int) -> list[Section]:
    """The page's sections; UnreadableText if it is not a paper's full text."""
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True,
                             default_doctype=False)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableText("the HTML page could not be parsed", str(exc)) from None
    article = next(iter(root.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " ltx_document ")]'
                                   '[not(contains(@class, "package-alerts"))]')), None)
    _formulas_as_latex(root)
    _prune(root)
    walker = _Walker()
    walker.walk(article if article is not None else root)
    sections, size = [], 0
    for heading, blocks in walker.sections:
        text = clean_spaces(re.sub(r"\n(?=\S)", "\n\n", "\n".join(blocks)))
        if not text and not heading:
            continue
        section = Section(heading, text[:max(0, max_chars - size)], role_of(heading) if heading else Role.OTHER)
        size += len(section.text)
        sections.append(section)
        if size >= max_chars:
            break
    if sum(len(s.text) for s in sections if s.role != Role.DROP) < MIN_BODY_CHARS:
        raise UnreadableText("the HTML page has no body text")
    return sections
