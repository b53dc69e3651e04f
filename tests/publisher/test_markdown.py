"""Markdown from text we do not control (services/publisher/markdown.py), checked by rendering it as GitHub
does (cmark-gfm) and reading the HTML: what a reader's browser would really get."""
from __future__ import annotations

import random

import pytest

from services.publisher.markdown import block, inline, link
from tests.publisher.gfm import live_markup, read, render

EVIL = ["[x](https://evil.example)", "![p](https://evil.example/p.png)", "<https://evil.example>",
        "https://evil.example/raw", "HTTPS://evil.example", "www.evil.example", "_www.evil.example_",
        "ftp://evil.example", "[x]: https://evil.example", "[x]", "[x][]", "[^1]", "[^1]: note",
        "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<pre>", "<textarea>", "<!--", "-->",
        "</details>", "<details>", "<a href='https://evil.example'>", "<style>", "<?php", "<![CDATA[", "<!DOCTYPE"]
MARKUP = ["*", "**", "_", "__", "`", "``", "```", "~", "~~", "~~~", "\\", "#", "# ", "###### ", "> ", "- ", "+ ",
          "1. ", "1) ", "---", "===", "***", "___", "| a | b |", "|---|", "&amp;", "&lt;", "&#60;", "&#0;", "&",
          "<", ">", "    ", "\t", "  ", "!", "(", ")", ":", "@", "$x_i$", "\\'", "\\[", "\\`"]
WORDS = ["text", "LLM", "Schr\\\"odinger", "语言模型", "🤖", "a_b", "x[i]", "vector<int>", "2411.17700"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\r", "\n", "\r\n", "\ud800"]


def fold(text: str) -> str:
    """What a field should read as: its words, whitespace folded, control characters gone."""
    kept = "".join(ch for ch in " ".join(text.split()) if ch >= " " and not "\x7f" <= ch <= "\x9f"
                   and not "\ud800" <= ch <= "\udfff")
    return " ".join(kept.split())


def random_text(rng: random.Random, pools: list[list[str]], parts: int) -> str:
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(1, parts)))


# --- inline: a field is its text, whatever it holds ---------------------------------------------------------

def tags_of(page: object) -> list[str]:
    # An email address becomes a mailto link (see services/publisher/markdown.py): not markup of the field's.
    return [tag for tag, attrs in page.tags if not (tag == "a" and attrs["href"].startswith(("mailto:", "xmpp:")))]


def as_line(field: str) -> tuple[list[str], str]:
    """Tags and text of a field rendered alone at the start of a line (where an abstract sits)."""
    page = read(render(inline(field)))
    return tags_of(page), "".join(page.text).strip()


def as_label(field: str) -> tuple[list[str], str]:
    """...and inside the README's facts paragraph, between two labelled lines."""
    page = read(render(f"**Authors**: {inline(field)}  \n**Category**: cs.AI  \n"))
    return tags_of(page), "".join(page.text).strip()


def as_title(field: str) -> tuple[list[tuple[str, dict]], str]:
    """...and as the label of an entry's heading link."""
    page = read(render(f"### 1. {link(field, 'https://arxiv.org/abs/2411.17700')}\n"))
    return page.tags, "".join(page.text).strip()


@pytest.mark.parametrize("field", EVIL + MARKUP[:-3] + ["# Injected", "1. first", "- item", "> quote", "```python",
                                                         "~~~", "Title\n## Heading", "a\n\n---\nb", "===",
                                                         "-- -", "12345678) x", "trailing \\"])
def test_a_field_reads_as_its_own_text_wherever_it_sits(field: str) -> None:
    text = fold(field)
    if not text:
        assert inline(field) == ""
        return
    assert as_line(field) == (["p"], text)
    assert as_label(field) == (["p", "strong", "br", "strong"], f"Authors: {text}\nCategory: cs.AI")
    tags, title = as_title(field)
    assert tags == [("h3", {}), ("a", {"href": "https://arxiv.org/abs/2411.17700"})] and title == f"1. {text}"


def test_any_mix_of_markup_in_a_field_reads_as_its_own_text() -> None:
    rng = random.Random(5)
    for _ in range(400):
        field = random_text(rng, [EVIL, MARKUP, WORDS, CONTROLS, [" "]], 12)
        if not fold(field):
            continue
        assert as_line(field) == (["p"], fold(field)), repr(field)
        assert as_label(field)[1] == f"Authors: {fold(field)}\nCategory: cs.AI", repr(field)
        assert as_title(field)[1] == f"1. {fold(field)}", repr(field)


def test_a_field_is_one_line_without_controls() -> None:
    assert inline(" a\nb\r\nc\td\x00e\x1bf\ud800g\u2028h \x01 i\x85") == "a b c defg h i"


def test_a_field_keeps_its_characters_readable_in_the_raw_file() -> None:
    # Only what Markdown would act on is escaped; LaTeX, ids and ordinary punctuation stay as written.
    assert inline("Sets $x_i$ in 2411.17700v2 (see: A/B-testing, 50%!)") == (
        "Sets $x_i$ in 2411.17700v2 (see: A/B-testing, 50%!)")
    assert inline("Ada & <Bo>") == "Ada &amp; &lt;Bo&gt;"


def test_a_link_to_anything_but_a_plain_web_address_is_only_its_label() -> None:
    for url in ["javascript:alert(1)", "https://arxiv.org/abs/x) [y](https://evil.example", "data:text/html,x",
                "https://arxiv.org/abs/<x>", ""]:
        assert link("Title", url) == "Title"
    assert link("Title", "https://arxiv.org/abs/hep-th/9901001") == "[Title](https://arxiv.org/abs/hep-th/9901001)"


# --- block: an answer keeps its Markdown, loses its HTML and links, and closes what it opened ---------------

AFTER = "### 2. The next entry"


def in_readme(answer: str) -> tuple[str, object]:
    """The answer placed as the README places it, followed by the next entry's heading."""
    markdown = f"<details>\n<summary>AI Summary</summary>\n{block(answer)}\n</details>\n\n---\n\n{AFTER}\n"
    return markdown, read(render(markdown))


def assert_contained(answer: str) -> object:
    markdown, page = in_readme(answer)
    assert live_markup(page) == [], (answer, markdown)
    assert [tag for tag, _ in page.tags].count("details") == 1 and page.closed.count("details") == 1, markdown
    assert page.h3 == [("2. The next entry", 0)], markdown  # shown, and outside the collapsed block
    assert "\x00" not in markdown
    return page


LAYOUT_BREAKERS = {
    "unclosed backtick fence": "Intro\n\n```python\nx = '<script>'\n",
    "unclosed tilde fence": "~~~\nnever closed",
    "longer fence holding a shorter one": "````\n```\n</details>\n",
    "pre": "<pre>\nunclosed pre",
    "textarea": "<textarea>\nswallows the page",
    "comment at line start": "<!-- hides the rest",
    "details close": "Before\n</details>\n# After",
    "details close mid-line": "text </DETAILS > more",
    "img onerror": "<img src=x onerror=alert(1)>",
    "script": "<script>alert(1)</script>",
    "nul": "a\x00b",
    "links and images": "[x](https://evil.example) ![p](https://evil.example/p.png) <https://evil.example> "
                        "https://evil.example/raw www.evil.example",
    "reference link": "[click][evil]\n\n[evil]: https://evil.example\n\n[evil]",
    "html block": "<div>\n\n<img src=https://evil.example/p.png>",
    "fence indented in a list item": "- item\n  ```\n  code\nx <img src=x onerror=alert(3)>",
    "code span across a heading": "# Title `a\n<img src=x onerror=alert(4)> `",
    "code span across a table cell": "| `<img src=x onerror=alert(5)> | ` |\n|---|---|\n| a | b |",
    "escaped bracket before a link": "\\[x](https://evil.example) \\![p](https://evil.example/p.png)",
    "escaped backtick before html": "\\`<img src=x onerror=alert(6)>`",
    "backslash before html": "\\<img src=x onerror=alert(7)>",
    "carriage returns": "```\rcode\r```\r<img src=x onerror=alert(8)>",
    "indented answer": "    <img src=x onerror=alert(9)>\n    [x](https://evil.example)",
    "only a fence": "```",
}


@pytest.mark.parametrize("answer", LAYOUT_BREAKERS.values(), ids=LAYOUT_BREAKERS.keys())
def test_a_layout_breaking_answer_stays_inside_its_block(answer: str) -> None:
    assert_contained(answer)


def test_any_mix_of_hostile_markdown_stays_inside_its_block() -> None:
    rng = random.Random(11)
    pools = [EVIL, MARKUP, WORDS, CONTROLS, ["\n", "\n\n", "\n```\n", "\n    ", "\n- ", "\n> ", "\n|"]]
    for _ in range(400):
        assert_contained(random_text(rng, pools, 30))


def test_the_answers_own_markdown_survives() -> None:
    answer = ("# Summary\n\n**Key** *results*:\n\n- one\n- two `x < y` and `a[i]`\n\n| a | b |\n|---|---|\n"
              "| 1 | 2 |\n\n> quoted\n\n```python\nif a < b: print('<b>')\n```\n\n~~gone~~ $O(n^2)$")
    _, page = in_readme(answer)
    tags = [tag for tag, _ in page.tags]
    for tag in ["h1", "strong", "em", "ul", "li", "code", "table", "blockquote", "pre", "del"]:
        assert tag in tags, tag
    text = "".join(page.text)
    assert "x < y" in text and "a[i]" in text and "if a < b: print('<b>')" in text and "$O(n^2)$" in text


def test_html_and_links_in_an_answer_read_as_text() -> None:
    _, page = in_readme("See <b>this</b> and [the code](https://evil.example) at https://evil.example/x.")
    assert "See <b>this</b> and [the code](https://evil.example) at https://evil.example/x." in "".join(page.text)


def test_an_unclosed_fence_is_closed_before_the_block_ends() -> None:
    assert block("Intro\n```python\nx = 1") == "\nIntro\n```python\nx = 1\n```\n"
    assert block("````\n```\nstill code") == "\n````\n```\nstill code\n````\n"
    assert block("~~~\na") == "\n~~~\na\n~~~\n"


def test_a_closed_fence_is_left_as_written() -> None:
    answer = "```\n<b>code</b> [x](y)\n```\ntext <b>"
    assert block(answer) == "\n```\n<b>code</b> [x](y)\n```\ntext &lt;b>\n"


def test_the_block_has_a_blank_line_on_each_side() -> None:
    assert block("\n\nanswer\n\n\n") == "\nanswer\n"
