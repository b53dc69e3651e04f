"""Markdown rendered as GitHub renders it (cmark-gfm), and what the resulting HTML holds, for the tests.

GitHub's tag filter is left out on purpose: it would print a <script> or <textarea> we failed to neutralise
as text and hide the failure (the parser has already let it swallow the page by then). Raw HTML is let
through (CMARK_OPT_UNSAFE), as GitHub lets it through to its sanitiser, so whatever survives is seen here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from cmarkgfm.cmark import Options, markdown_to_html_with_extensions

EXTENSIONS = ["table", "autolink", "strikethrough", "tasklist"]
VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


def render(markdown: str) -> str:
    return markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_GITHUB_PRE_LANG, extensions=EXTENSIONS)


@dataclass
class Page:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)  # start tags, in order
    closed: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    # (heading text, how many <details> were open where it starts) for each <h3>
    h3: list[tuple[str, int]] = field(default_factory=list)

    def named(self, *names: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag in names]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.depth, self.heading = Page(), 0, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.append((tag, dict(attrs)))
        if tag == "details":
            self.depth += 1
        elif tag == "h3":
            self.heading = []

    def handle_endtag(self, tag: str) -> None:
        self.page.closed.append(tag)
        if tag == "details":
            self.depth -= 1
        elif tag == "h3" and self.heading is not None:
            self.page.h3.append(("".join(self.heading).strip(), self.depth))
            self.heading = None

    def handle_data(self, data: str) -> None:
        self.page.text.append(data)
        if self.heading is not None:
            self.heading.append(data)

    def handle_comment(self, data: str) -> None:
        self.page.comments.append(data)


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def live_markup(page: Page) -> list[str]:
    """Everything in a page that an answer or a field must never produce: raw HTML that runs, embeds or
    hides, links (but to an email address) and images, event handlers, comments."""
    found = [f"<{tag}>" for tag, _ in page.tags if tag in {"script", "img", "textarea", "iframe", "style", "object",
                                                            "embed", "form", "input", "div", "span"}]
    # Email addresses become mailto links on GitHub and here: they show their whole target and embed nothing.
    found += [f"<a href={attrs.get('href')!r}>" for attrs in page.named("a")
              if not (attrs.get("href") or "").startswith(("mailto:", "xmpp:"))]
    found += [f"{tag} {name}=" for tag, attrs in page.tags for name in attrs if name.startswith("on")]
    found += [f"<!--{c[:20]}-->" for c in page.comments]
    return found
