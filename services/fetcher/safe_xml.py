"""Reading a feed's XML safely, whole or a piece at a time. Pure: bytes in, elements out.

Nothing a document declares is obeyed: a DTD, an entity declaration or an external reference refuses the whole
document (defusedxml's errors, raised by a pass of expat in C before the C parser builds anything). Characters XML
forbids are dropped, and a character reference to one (fatal to the parser) becomes a mark that `Marks` finds
again, so that only the item holding it is skipped. A real feed has none of that and is decoded and parsed a
block at a time, never as a whole str in memory.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from itertools import chain
from typing import AnyStr, BinaryIO
from xml.etree.ElementTree import Element, ParseError, XMLPullParser, fromstring
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from shared.xmlchars import CHAR_REF, ILLEGAL_XML_CHARS, refers_to_illegal_char

# Characters XML 1.0 forbids; one stray control character in one abstract must not make the day unreadable.
_XML_ILLEGAL = re.compile(ILLEGAL_XML_CHARS)
# A character reference to a forbidden character is fatal to the parser; inside CDATA or a comment it is text.
_REFERENCES = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|" + CHAR_REF.pattern, re.DOTALL)
_SENTINELS = [chr(c) for c in range(0xFDD0, 0xFDF0)]  # noncharacters: legal XML, never in real text


class FeedError(ValueError):
    """The whole feed is unusable (not XML, forbidden constructs, not RSS, or arXiv's error channel)."""


class Marks:
    """Replaces each character reference XML forbids with a mark the parser accepts, so that the item holding
    it, and only that item, can be found and skipped after parsing."""

    def __init__(self, text: str):
        self.references: list[str] = []
        self.sentinel = next((s for s in _SENTINELS if s not in text), "")
        self.pattern = re.compile(f"{self.sentinel}(\\d+){self.sentinel}")

    def replace(self, match: re.Match[str]) -> str:
        if match["hex"] is None and match["dec"] is None or not refers_to_illegal_char(match):
            return match[0]  # CDATA, a comment, or a reference to an allowed character
        if not self.sentinel:
            raise FeedError("every mark for forbidden character references already occurs in the feed")
        self.references.append(match[0][:24])
        return f"{self.sentinel}{len(self.references) - 1}{self.sentinel}"

    def strip(self, text: str) -> str:
        return self.pattern.sub("", text) if self.references else text

    def found_in(self, node: Element) -> str | None:
        if not self.references:
            return None
        for element in node.iter():
            for text in (element.text, *([element.tail] if element is not node else []), *element.attrib.values()):
                if text and (match := self.pattern.search(text)):
                    return self.references[int(match[1])]
        return None


def _doctype(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _entity(name: str, is_parameter: bool, value: str | None, base: str | None, sysid: str | None,
            pubid: str | None, notation: str | None) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_entity(name: str, base: str | None, sysid: str | None, pubid: str | None,
                     notation: str | None) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def refuse_constructs(text: str) -> None:
    """Raise defusedxml's error for a DTD, an entity declaration or an external reference, as its parser does.

    A first pass of expat alone, with no element handlers, runs in C: then the tree is built by the C
    ElementTree parser, several times faster than defusedxml's pure-Python one (which calls Python for every
    element). A malformed document is left to that parser, which words the error as before."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _doctype
    parser.EntityDeclHandler = _entity
    parser.UnparsedEntityDeclHandler = _unparsed_entity
    parser.ExternalEntityRefHandler = _external
    try:
        parser.Parse(text, True)
    except expat.ExpatError:
        pass


CHUNK = 1 << 16  # bytes decoded (or characters) fed to the streaming parser at a time: the parser makes
# every element of a piece before the first is read, so a megabyte at a time held ~500 items' elements at once
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# What only the whole-document path (`_prepare`) handles: a character reference, a DTD, and the characters XML
# forbids (in UTF-8; dropping them could join what surrounds them, such as "<!DOC\x01TYPE").
# (UTF-8 decoding never yields a surrogate.) Seeking one byte is a memchr, some ten times faster over megabytes
# than a substring, a character class or an alternation: a marker is sought only where a rare byte of it is.
_WHOLE_ONLY = {b"&#": b"#", b"<!DOCTYPE": b"!", b"\xef\xbf\xbe": b"\xef", b"\xef\xbf\xbf": b"\xef"}
_CONTROLS = tuple(bytes([c]) for c in range(32) if c not in b"\t\n\r")
_OVERLAP = max(len(marker) for marker in _WHOLE_ONLY) - 1  # bytes of one block a marker can begin in


def _prepare(data: bytes, category: str) -> tuple[str, Marks]:
    """The document as text the parser accepts, refused if it holds a DTD, an entity or an external reference,
    and the marks standing for character references XML forbids."""
    # Decode leniently ourselves: bad UTF-8 in one abstract costs a replacement character, not the whole day.
    text = _XML_ILLEGAL.sub("", data.decode("utf-8", errors="replace"))
    text = _DECLARATION.sub("", text)  # a str cannot also declare an encoding
    marks = Marks(text)
    if "&#" in text:  # the only thing the pass below changes is a character reference
        text = _REFERENCES.sub(marks.replace, text)
    try:
        if "<!DOCTYPE" in text:  # XML spells it so, and without one there is nothing to declare an entity
            refuse_constructs(text)
    except DefusedXmlException as exc:
        raise FeedError(f"{category}: forbidden XML construct ({type(exc).__name__})") from None
    return text, marks


def load(data: bytes, category: str) -> tuple[Element, Marks]:
    """The document's root, parsed safely (no DTD, no entities, nothing external), and the marks standing for
    character references XML forbids."""
    text, marks = _prepare(data, category)
    try:
        return fromstring(text), marks
    except ParseError as exc:
        raise FeedError(f"{category}: malformed XML ({exc})") from None


def _slices(data: AnyStr) -> Iterator[AnyStr]:
    return (data[start:start + CHUNK] for start in range(0, len(data), CHUNK))


def _blocks(body: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(body, bytes):
        return _slices(body)
    body.seek(0)
    return iter(lambda: body.read(CHUNK), b"")


def _needs_whole(data: bytes) -> bool:
    return (any(rare in data and marker in data for marker, rare in _WHOLE_ONLY.items())
            or any(control in data for control in _CONTROLS))


def _whole_only(body: bytes | BinaryIO) -> bool:
    """Whether the body holds anything only `_prepare` handles; in a file, read a block at a time (a marker
    across two blocks included)."""
    if isinstance(body, bytes):
        return _needs_whole(body)
    tail = b""
    for block in _blocks(body):
        if _needs_whole(tail + block):
            return True
        tail = block[-_OVERLAP:]
    return False


def _pieces(body: bytes | BinaryIO, category: str) -> tuple[Iterator[str], Marks]:
    """The text `_prepare` makes, a piece at a time. A feed with nothing to replace or refuse (every real one)
    is decoded a block at a time (from memory, or from the file it was downloaded to): the whole document as
    a str would take up to four bytes a character, several times the body, for one accented name."""
    if _whole_only(body):
        if not isinstance(body, bytes):
            body.seek(0)
            body = body.read()
        text, marks = _prepare(body, category)
        return _slices(text), marks

    def decoded() -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        head: str | None = ""
        for block in chain(_blocks(body), [b""]):
            piece = decoder.decode(block, final=not block)
            if head is not None:  # the declaration, dropped as `_prepare` drops it, once it is whole
                head += piece
                if not head.lstrip() or (head.lstrip().startswith("<?") and "?>" not in head):
                    continue
                piece, head = _DECLARATION.sub("", head), None
            yield piece
        if head:
            yield _DECLARATION.sub("", head)

    return decoded(), Marks("")


def stream(data: bytes | BinaryIO, category: str) -> tuple[Iterator[tuple[str, Element]], Marks]:
    """Like `load`, as ("start" | "end", element) events while the document is parsed, so that a caller can
    clear each item once read: a feed of thousands of items is never a whole tree in memory."""
    pieces, marks = _pieces(data, category)

    def events() -> Iterator[tuple[str, Element]]:
        parser = XMLPullParser(events=("start", "end"))
        try:
            for piece in pieces:
                parser.feed(piece)
                yield from parser.read_events()
            parser.close()
            yield from parser.read_events()
        except ParseError as exc:
            raise FeedError(f"{category}: malformed XML ({exc})") from None

    return events(), marks
