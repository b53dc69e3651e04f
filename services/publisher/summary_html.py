"""An LLM's Markdown answer as safe HTML, for the feeds and the page: the one place where text we do not
control becomes markup outside the README (which services/publisher/markdown.py keeps as Markdown).

Two layers, so that a bug in one is not a hole: markdown-it renders with raw HTML off (a `<script>` in the
answer comes out as text) and refuses javascript:, vbscript:, file: and data: links; then nh3 (the Ammonia
sanitizer) keeps only an allow-list of tags and attributes, http(s) and mailto links, and marks every link
nofollow. Images are dropped: a summary has none of its own, and one from elsewhere would be a tracker.
"""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from shared.xmlchars import drop_illegal_xml_chars

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}) \
    .enable("table").enable("strikethrough")
TAGS = {"p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a"}
# No style attribute: the page's Content-Security-Policy refuses inline styles (and would log an error).
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize(html: str) -> str:
    """Any HTML down to the allow-list; what we build ourselves goes through here too when it holds a field."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="nofollow noopener",
                     strip_comments=True)


def summary_html(markdown: str) -> str:
    text = _CONTROLS.sub("", drop_illegal_xml_chars(markdown.replace("\r\n", "\n").replace("\r", "\n")))
    return sanitize(_RENDERER.render(text)).strip()
