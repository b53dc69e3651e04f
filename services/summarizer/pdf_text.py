"""Readable text from a paper's PDF, with pypdfium2 (PDFium, the parser Chrome hardens against hostile files).

Encrypted, corrupt and scanned (no text layer) files are refused with a reason; a file with more pages than
the limit is read up to it. Headings are found by their shape ("3 Method", "4.2 Results", "REFERENCES") so
the budget can keep introduction and conclusion first; the references list is dropped.
"""
from __future__ import annotations

import re
import threading

import pypdfium2 as pdfium

from services.summarizer.document import Role, Section, UnreadableText, clean_spaces, role_of

MIN_TEXT_CHARS = 200  # less than this over the whole file: the pages are pictures of text
# PDFium is not thread-safe: one document at a time in the process (downloads still overlap).
_PDFIUM = threading.Lock()
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,2}\.?|[IVX]{1,5}\.|[A-H](?:\.\d{1,2}){0,2}\.?)\s+"
                       r"[A-Z][^.!?;:]{1,80}$")
_NAMED = re.compile(r"^(?:abstract|introduction|related work|background|preliminaries|method(?:s|ology)?|approach"
                    r"|experiments?|experimental setup|results|evaluation|discussion|limitations|conclusions?"
                    r"|concluding remarks|references|bibliography|acknowledge?ments?|appendix|appendices)$", re.I)
# A PDF's soft hyphen at a line end, or a hard one before a lower-case continuation: the word goes on.
_HYPHENATED = re.compile(r"[\u00ad\x02-]\n(?=[a-z])")


def _is_heading(line: str) -> bool:
    return len(line) <= 90 and len(line.split()) <= 12 and bool(_NUMBERED.match(line) or _NAMED.match(line))


def _pages_text(data: bytes, max_pages: int) -> tuple[str, bool]:
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            message = str(exc).lower()
            if "password" in message or "security" in message:
                raise UnreadableText("the PDF is encrypted", str(exc)) from None
            raise UnreadableText("the PDF could not be read", str(exc)) from None
        try:
            pages = len(document)
            texts = []
            for index in range(min(pages, max_pages)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        texts.append(textpage.get_text_range())
                    finally:
                        textpage.close()
                finally:
                    page.close()
        except pdfium.PdfiumError as exc:
            raise UnreadableText("the PDF could not be read", str(exc)) from None
        finally:
            document.close()
    return "\n".join(texts), pages > max_pages


def _sections(lines: list[str]) -> list[Section]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        if _is_heading(line):
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    out = []
    for number, (heading, body) in enumerate(sections):
        text = clean_spaces(_HYPHENATED.sub("", "\n".join(body)).replace("\n", " ").replace("\x00", ""))
        if not text:
            continue
        # Before the first heading: title, authors and abstract, which the paper's metadata gives cleanly.
        role = role_of(heading) if heading else (Role.DROP if number == 0 and len(sections) > 2 else Role.OTHER)
        out.append(Section(heading, text, role))
    return _after_references(out)


def _after_references(sections: list[Section]) -> list[Section]:
    """The references run until an appendix heading ("A Proofs", "Appendix"); lines that looked like headings
    inside the list ("2. Smith J. Fast things") are part of it."""
    out, in_references = [], False
    for section in sections:
        if role_of(section.heading) == Role.DROP and re.search(r"references|bibliography", section.heading, re.I):
            in_references = True
        elif in_references and re.match(r"^(?:[A-H](?:\.\d{1,2})*\.?\s|appendix|appendices)", section.heading, re.I):
            in_references = False
        out.append(Section(section.heading, section.text, Role.DROP) if in_references else section)
    return out


def extract_pdf(data: bytes, max_pages: int, max_chars: int) -> tuple[list[Section], bool]:
    """The PDF's sections, and whether pages were left out; UnreadableText if it has no usable text."""
    if b"%PDF-" not in data[:1024]:  # readers accept a little junk before the header, as PDFium does
        raise UnreadableText("the PDF could not be read", "not a PDF file")
    text, more_pages = _pages_text(data, max_pages)
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:max_chars]
    if len("".join(text.split())) < MIN_TEXT_CHARS:
        raise UnreadableText("the PDF has no text layer")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _sections([line for line in lines if line and not line.isdigit()]), more_pages
