"""What the XML renderers share: a document serialised by lxml, and dates in the two formats feeds use."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

from lxml import etree

from shared.xmlchars import drop_illegal_xml_chars


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: drop_illegal_xml_chars(v) for k, v in attributes.items()})
    if text is not None:
        element.text = drop_illegal_xml_chars(text)  # lxml refuses what XML cannot carry: it never gets it
    return element


def serialize(root: etree._Element) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc))


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
