"""What a browser would make active in an HTML fragment: its elements, event handlers and link targets."""
from __future__ import annotations

from html.parser import HTMLParser

SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                self.urls.append((value or "").strip())


def active(html: str) -> tuple[list[str], list[str], list[str]]:
    """(tags, event-handler attributes, link and source URLs) as an HTML parser sees them."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags, collector.handlers, collector.urls


def assert_inert(html: str, allowed_tags: set[str]) -> None:
    tags, handlers, urls = active(html)
    assert set(tags) <= allowed_tags, set(tags) - allowed_tags
    assert handlers == []
    assert all(url.lower().startswith(SAFE_SCHEMES) for url in urls), urls
