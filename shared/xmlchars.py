"""The characters XML 1.0 forbids, even escaped: one definition for what we parse and what we write."""
from __future__ import annotations

import re

ILLEGAL_XML_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_ILLEGAL = re.compile(ILLEGAL_XML_CHARS)


def drop_illegal_xml_chars(text: str) -> str:
    return _ILLEGAL.sub("", text)
