"""Markdown for the README from text we do not control: the one place deciding what may become markup.

Two contexts, two functions:
- `inline(text)`: a field shown as one line of plain text (a title, an author list, an abstract, a model
  name, keywords). Nothing in it becomes markup: no HTML, link, image, autolink, emphasis, code, heading or
  list, and no line break. What a reader sees is the text itself.
- `block(markdown)`: an LLM's answer shown as Markdown inside <details>. Its emphasis, lists, tables, code
  and headings survive (as the reference bot shows them); raw HTML, links, images and autolinks do not; a
  fence it leaves open is closed, and a blank line on each side keeps the README's </details> a block of its
  own, so one answer can neither hide the entries after it nor leave its block open.

Both are pure and run in linear time. Email addresses are left as GitHub shows them (mailto links): they
display their whole target and cannot embed anything.
"""
from __future__ import annotations

import re
import textwrap

_INLINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BLOCK_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # tab and \n stay
# Escaped with a backslash in a field: links and images ([ ]), code (`), emphasis (* and a `_` not inside a
# word), strikethrough and ~~~ fences (~), and the backslash itself so that none of these can be undone.
_INLINE_MARKUP = re.compile(r"[\\`*\[\]~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What would make a field that starts a line a heading, a list item, a setext underline or a thematic break
# (`*`, `_`, `` ` ``, `~` and `>` are escaped anyway).
_LINE_START = re.compile(r"#{1,6}(?=[ \t]|$)|[+-](?=[ \t]|$)|\d{1,9}(?=[.)](?:[ \t]|$))|=+[ \t]*$|(?:-[ \t]*){3,}$")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}(?=[^`]*$)|~{3,})")
_BACKTICKS = re.compile(r"\\*`+")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~%/+-]*)?")


def _defuse_autolinks(text: str) -> str:
    # GitHub turns "scheme://..." and "www." into live links even in plain text; an entity for the ":" or the
    # "." shows the same characters and links nothing (entities never take part in Markdown syntax).
    return re.sub(r"(?i)(?<![a-z0-9])www\.", lambda m: m[0][:3] + "&#46;", text.replace("://", "&#58;//"))


def inline(text: str) -> str:
    text = " ".join(_INLINE_CONTROLS.sub("", " ".join(text.split())).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _defuse_autolinks(_INLINE_MARKUP.sub(lambda m: "\\" + m[0], text))
    if start := _LINE_START.match(text):
        text = text[:start.end()] + "\\" + text[start.end():] if start[0][0].isdigit() else "\\" + text
    return text


def link(label: str, url: str) -> str:
    """A link to one of our own URLs (arXiv's pages); anything else is shown as its label only."""
    return f"[{inline(label)}]({url})" if _SAFE_URL.fullmatch(url) else inline(label)


def _inert(text: str) -> str:
    """Text of an answer outside code: no raw HTML, no link, image, reference definition or autolink."""
    return _defuse_autolinks(text.replace("<", "&lt;").replace("[", "&#91;"))


def _code_spans(line: str) -> list[tuple[int, int]] | None:
    """The (start, end) of each code span in the line, as CommonMark pairs backtick runs; None when a run
    is left unpaired (it may pair with a later line, so nothing after it can be trusted to be code)."""
    spans, runs = [], []
    for match in _BACKTICKS.finditer(line):
        slashes = len(match[0]) - len(match[0].lstrip("\\"))
        runs.append((match.start() + slashes, match.end(), slashes % 2 == 1))
    opener = None
    for start, end, escaped in runs:
        if opener is not None:
            if end - start == opener[1] - opener[0]:  # inside a span backslashes are literal
                spans.append((opener[0], end))
                opener = None
        elif escaped:
            if end - start > 1:  # "\```": the first backtick is text, the rest a run of its own
                opener = (start + 1, end)
        else:
            opener = (start, end)
    return None if opener is not None else spans


def _text_line(line: str, trusted: bool) -> tuple[str, bool]:
    """One line of an answer outside fences; returns it made inert and whether later lines of its paragraph
    can still trust their code spans."""
    spans = _code_spans(line)
    if not trusted or spans is None or "|" in line:  # a table cell ends a span early: trust no span there
        return _inert(line), trusted and spans is not None
    out, position = [], 0
    for start, end in spans:
        out += [_inert(line[position:start]), line[start:end]]
        position = end
    return "".join(out) + _inert(line[position:]), True


def block(markdown: str) -> str:
    text = _BLOCK_CONTROLS.sub("", markdown.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    fence: str | None = None  # the open fence's run of ` or ~
    trusted = True
    for line in textwrap.dedent(text).strip("\n").split("\n"):
        if fence is not None:
            out.append(line)
            if re.fullmatch(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", line):
                fence = None
        elif opening := _FENCE.match(line):
            # Moved to the first column: there no list item or quote around it can end it before its close.
            fence = opening["fence"]
            out.append(line.lstrip(" "))
            trusted = True
        elif not line.strip():
            out.append("")
            trusted = True  # a blank line ends every paragraph: spans start afresh
        else:
            inert, trusted = _text_line(line, trusted)
            out.append(inert)
    if fence is not None:
        out.append(fence)
    return "\n" + "\n".join(out) + "\n"
