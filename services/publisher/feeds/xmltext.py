"""What the feed renderers share: a document serialised by lxml, dates in the two formats feeds use, and the
reuse of an item already rendered for another feed of the same publication."""
from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from datetime import datetime, timezone
from typing import Any, TypeVar
from email.utils import format_datetime

from lxml import etree

from shared.xmlchars import drop_illegal_xml_chars

T = TypeVar("T")


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


# A publication renders the same item into several feeds (the whole window and each of its categories): `built`
# maps an item (by identity: it lives as long as the publication's render) to what it was rendered to once.
def reuse(built: dict[int, T] | None, item: Any, render: Callable[[Any], T]) -> T:
    """`render(item)`, or what it gave for this item in another feed of the same publication."""
    if built is None:
        return render(item)
    if id(item) not in built:
        built[id(item)] = render(item)
    return built[id(item)]


def add_built(parent: etree._Element, item: Any, build: Callable[[etree._Element, Any], etree._Element],
              built: dict[int, etree._Element] | None) -> None:
    """Build the item's element under `parent`, or copy the one built for it in another feed of the same
    publication: copying an element is much cheaper than building it again."""
    if built is not None and id(item) in built:
        parent.append(deepcopy(built[id(item)]))
        return
    element = build(parent, item)
    if built is not None:
        built[id(item)] = element
