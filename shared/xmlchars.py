"""The characters XML 1.0 forbids, even escaped: one definition for what we parse and what we write.

XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. A Python str can also
hold lone surrogates (U+D800..U+DFFF), which no UTF-8 text can carry, so they count as forbidden too.
"""
from __future__ import annotations

import re

ILLEGAL_XML_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_ILLEGAL = re.compile(ILLEGAL_XML_CHARS)
# A character reference in either form; the digits are unbounded here so that an absurd one is caught too.
CHAR_REF = re.compile(r"&#(?:[xX](?P<hex>[0-9a-fA-F]+)|(?P<dec>[0-9]+));")


def drop_illegal_xml_chars(text: str) -> str:
    return _ILLEGAL.sub("", text)


def is_xml_char(codepoint: int) -> bool:
    return (codepoint in (0x9, 0xA, 0xD) or 0x20 <= codepoint <= 0xD7FF or 0xE000 <= codepoint <= 0xFFFD
            or 0x10000 <= codepoint <= 0x10FFFF)


def refers_to_illegal_char(reference: re.Match[str]) -> bool:
    """Whether a CHAR_REF match names a character XML forbids (or no character at all)."""
    digits = (reference["hex"] or reference["dec"]).lstrip("0")
    if len(digits) > 8:  # beyond any code point; also keeps int() away from megabyte-long numbers
        return True
    return not is_xml_char(int(digits or "0", 16 if reference["hex"] is not None else 10))
