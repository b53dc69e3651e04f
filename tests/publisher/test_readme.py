"""README.md in the reference bot's layout, and safe against what titles, abstracts and summaries contain."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.publisher.entries import digest, entry
from services.publisher.readme import render_readme
from services.summarizer.answer import clean_answer
from tests.data import shared_data
from tests.publisher.gfm import live_markup, read, render

UPDATED = datetime(2024, 11, 29, 6, 7, 54, tzinfo=timezone.utc)
HEADING = re.compile(r"^### (\d+)\. ")
LABEL = re.compile(r"^\*\*([^*]+)\*\*: .*  $")  # "**Label**: value" and the two trailing spaces of a line break


def entry_blocks(text: str) -> list[list[str]]:
    """The lines of each numbered entry, from its heading up to the next heading or section."""
    blocks: list[list[str]] = []
    in_summary = False  # a summary is free Markdown: its "## " lines are not README sections
    for line in text.split("\n"):
        if not in_summary and HEADING.match(line):
            blocks.append([line])
        elif not in_summary and line.startswith("## "):
            blocks.append([])
        elif blocks and blocks[-1]:
            blocks[-1].append(line)
        in_summary = line == "<details>" or (in_summary and line != "</details>")
    return [b for b in blocks if b]


def labels(block: list[str]) -> list[str]:
    head = block[:block.index("#### Abstract")]
    return [m.group(1) for line in head if (m := LABEL.match(line))]


def skeleton(block: list[str]) -> list[str]:
    """An entry's shape: each line's kind, the summary body (free Markdown) folded into one BODY."""
    shape, in_body = [], False
    for line in block:
        if line == "</details>":
            in_body = False
        elif in_body:
            if shape[-1] != "BODY":
                shape.append("BODY")
            continue
        if HEADING.match(line):
            shape.append("HEADING")
        elif m := LABEL.match(line):
            shape.append(f"LABEL:{m.group(1)}")
        elif line.startswith("<summary>"):
            shape.append("SUMMARY")
            in_body = True
        elif line in ("", "---", "#### Abstract", "<details>", "</details>"):
            shape.append(line)
        else:
            shape.append("TEXT")
    while shape and shape[-1] == "":
        shape.pop()
    return shape


# --- layout, compared with the reference bot's real output ----------------------------------------------------

@pytest.fixture(scope="module")
def reference_readme() -> str:
    return shared_data("reference/README_2026-08-21_958c5f5.md").read_text(encoding="utf-8")


def test_field_labels_are_the_reference_labels_in_order(reference_readme):
    ours = render_readme(digest(entry(1, summary="**Summary**", summary_status="done"), entry(2)), UPDATED)
    reference = {tuple(labels(b)) for b in entry_blocks(reference_readme)}
    assert reference == {("Authors", "Category", "Published", "Score", "Type", "ArXiv ID")}
    assert {tuple(labels(b)) for b in entry_blocks(ours)} == reference


def test_entry_shape_matches_the_reference_with_and_without_summary(reference_readme):
    ours = render_readme(digest(entry(1, summary="# Title\n\n- point\n\n---\n\nmore", summary_status="done"),
                                entry(2)), UPDATED)
    reference_shapes = {tuple(skeleton(b)) for b in entry_blocks(reference_readme)}
    our_shapes = [tuple(skeleton(b)) for b in entry_blocks(ours)]
    assert len(reference_shapes) == 2  # the reference has entries with and without a summary
    assert set(our_shapes) == reference_shapes
    assert "<details>" in our_shapes[0] and "<details>" not in our_shapes[1]


def test_statistics_and_sections_match_the_reference(reference_readme):
    ours = render_readme(digest(entry(1), entry(2)), UPDATED)
    for pattern in (r"^- \*\*Last Updated\*\*: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$",
                    r"^- \*\*Total Papers Found\*\*: \d+$", r"^- \*\*Categories Monitored\*\*: .+$",
                    r"^## 📊 Statistics$", r"^## 📚 Recent Papers$", r"^## 🔧 Configuration$",
                    r"^\*Generated automatically by arXiv Bot\*"):
        assert re.search(pattern, reference_readme, re.M), pattern
        assert re.search(pattern, ours, re.M), pattern
    assert "- **Last Updated**: 2024-11-29 06:07:54 UTC\n" in ours
    assert "- **Total Papers Found**: 2\n" in ours
    assert "- **Categories Monitored**: cs.AI, cs.CL, cs.DC, cs.LG\n" in ours
    assert ours.index("## 📊 Statistics") < ours.index("## 📚 Recent Papers") < ours.index("## 🔧 Configuration")


def test_entry_fields():
    text = render_readme(digest(entry(1, score=8, announced=None, version=3)), UPDATED)
    assert "### 1. [Paper 1 on LLM serving](https://arxiv.org/abs/2411.18001)\n" in text
    assert "**Authors**: Ada Lovelace, Alan Turing  \n" in text
    assert "**Category**: cs.AI  \n" in text  # the feed it came through, not its primary category
    assert "**Published**: unknown  \n" in text
    assert "**Score**: 8.0  \n" in text  # one decimal like the reference, even for a whole number
    assert "**Type**: new  \n" in text
    assert "**ArXiv ID**: 2411.18001v3  \n" in text
    assert "#### Abstract\nWe study fast LLM serving.\n" in text


def test_entries_are_numbered_in_digest_order():
    text = render_readme(digest(entry(5), entry(3), entry(9)), UPDATED)
    headings = [line for line in text.split("\n") if HEADING.match(line)]
    assert [h[:7] for h in headings] == ["### 1. ", "### 2. ", "### 3. "]
    assert ["2411.18005" in headings[0], "2411.18003" in headings[1], "2411.18009" in headings[2]] == [True] * 3


def test_abstract_is_cut_at_300_characters_like_the_reference():
    long = "word " * 100  # 500 characters
    text = render_readme(digest(entry(1, abstract=long), entry(2, abstract="x" * 300)), UPDATED)
    abstracts = re.findall(r"^#### Abstract\n(.*)$", text, re.M)
    assert abstracts[0] == long[:300] + "..."
    assert abstracts[1] == "x" * 300  # exactly 300: nothing cut, no ellipsis


def test_summary_block_names_the_model():
    text = render_readme(digest(entry(1, summary="## 1. Contributions\nA lot.", summary_status="done")), UPDATED)
    assert ("<details>\n<summary><strong>🤖 AI Summary (by qwen-long)</strong> - Click to expand</summary>\n\n"
            "## 1. Contributions\nA lot.\n\n</details>\n") in text


@pytest.mark.parametrize("status", ["failed", "disabled", "none", "pending"])
def test_no_summary_block_unless_the_summary_is_done(status):
    text = render_readme(digest(entry(1, summary="stale text", summary_status=status)), UPDATED)
    assert "<details>" not in text and "stale text" not in text


def test_done_but_empty_summary_shows_no_block():
    assert "<details>" not in render_readme(digest(entry(1, summary="", summary_status="done")), UPDATED)


def test_keywords_listed_under_configuration():
    text = render_readme(digest(entry(1), keywords=["LLM", "RL", "FP8"]), UPDATED)
    config = text[text.index("## 🔧 Configuration"):]
    assert "\n- LLM, RL, FP8\n" in config


def test_empty_digest_says_so():
    text = render_readme(digest(), UPDATED)
    assert "- **Total Papers Found**: 0\n" in text
    assert "No paper matched the configured keywords" in text
    assert not HEADING.search(text) and "## 🔧 Configuration" in text


def test_empty_digest_with_near_misses_points_to_them_and_to_min_score():
    text = render_readme(digest(near_misses=[entry(1)]), UPDATED)
    assert "No paper matched" not in text
    assert "No paper scored enough to be listed" in text and "`min_score`" in text
    assert text.index("No paper scored enough") < text.index("## 🔍 Near misses")


def test_last_updated_is_shown_in_utc():
    beijing = UPDATED.astimezone(timezone(timedelta(hours=8)))
    assert "- **Last Updated**: 2024-11-29 06:07:54 UTC\n" in render_readme(digest(), beijing)


# --- hostile content ----------------------------------------------------------------------------------------

LINK = re.compile(r"^### 1\. \[((?:\\.|[^\\\[\]])*)\]\(https://arxiv\.org/abs/2411\.18001\)$")


def link_label(text: str) -> str:
    """The title as Markdown shows it; fails unless the heading is exactly one intact link."""
    heading = next(line for line in text.split("\n") if line.startswith("### 1. "))
    match = LINK.match(heading)
    assert match, heading
    # As CommonMark shows it: backslash escapes (of punctuation only), then entities.
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", match.group(1)))


@pytest.mark.parametrize("title", [
    "Brackets [in] titles",
    "Closing ] early](https://evil.example)",
    "Unbalanced [ bracket",
    "Sets $[0,1]$ and $\\mathbb{E}[X]$",
    "Escaped \\] bracket",
    # A real title of 2024-11-28 (cs.CL): unescaped, Markdown would eat the backslash and show "pr'esidents".
    "Parole de pr\\'esidents (1958-2022)",
])
def test_title_link_stays_intact_and_shows_the_title(title):
    assert link_label(render_readme(digest(entry(1, title=title)), UPDATED)) == title


def test_html_in_title_authors_and_abstract_is_shown_not_run():
    hostile = entry(1, title="<script>alert(1)</script> & LLM", authors=["<img src=x onerror=alert(1)>"],
                    abstract="<b>bold</b> & <script>x</script>")
    text = render_readme(digest(hostile), UPDATED)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; LLM" in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in text


def test_line_breaks_in_fields_cannot_start_new_markdown_blocks():
    hostile = entry(1, title="Title\n## Injected heading", abstract="First\n\n# Injected\n---",
                    authors=["A\n### 2. [fake](http://x)"])
    text = render_readme(digest(hostile), UPDATED)
    assert not re.search(r"^#+ Injected", text, re.M)
    assert [line[:7] for line in text.split("\n") if HEADING.match(line)] == ["### 1. "]
    assert "**Authors**: A ### 2. \\[fake\\](http&#58;//x)  \n" in text  # and no live link either


def details_depth_at_headings(text: str) -> list[int]:
    """How many <details> blocks are open where each entry heading starts."""
    depth, depths = 0, []
    for line in text.split("\n"):
        if HEADING.match(line):
            depths.append(depth)
        depth += len(re.findall(r"<details\b", line, re.I)) - len(re.findall(r"</\s*details", line, re.I))
    return depths


@pytest.mark.parametrize("closing", ["</details>", "</DETAILS >", "text </details> more"])
def test_summary_cannot_close_its_block_early(closing):
    evil = entry(1, summary=f"Before\n{closing}\n# Outside?", summary_status="done")
    text = render_readme(digest(evil, entry(2)), UPDATED)
    block = entry_blocks(text)[0]
    # Exactly one closing tag, the renderer's own, after the whole summary.
    closings = [i for i, line in enumerate(block) if re.search(r"</\s*details", line, re.I)]
    assert len(closings) == 1 and block[closings[0]] == "</details>"
    assert block.index("# Outside?") < closings[0]
    assert details_depth_at_headings(text) == [0, 0]


def test_summary_cannot_leave_a_block_open():
    evil = entry(1, summary="<details><summary>More</summary>\nnested, never closed", summary_status="done")
    assert details_depth_at_headings(render_readme(digest(evil, entry(2)), UPDATED)) == [0, 0]


# --- acceptance: a day of layout-breaking answers and fields, rendered as GitHub renders it ------------------

HOSTILE_ANSWERS = [
    "Intro\n\n```python\nx = 1\n",                         # an unclosed fence
    "<pre>\nan unclosed pre",
    "<textarea>\nswallows what follows",
    "<!-- at a line start, never closed",
    "Before\n</details>\n# After",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "a NUL \x00 in the middle",
    clean_answer("<img src=x onerror=alert(2)>\n```\n" + "word " * 400_000, 20_000),  # 2 MB, cut upstream
    "[x](https://evil.example) and ![p](https://evil.example/p.png)",
    "<https://evil.example> https://evil.example/raw www.evil.example",
    "[click][evil]\n\n[evil]: https://evil.example",
    "~~~\nan unclosed tilde fence",
    "- item\n  ```\n  code\nx <img src=x onerror=alert(3)>",
    "| `<img src=x onerror=alert(4)> | ` |\n|---|---|\n| a | b |",
]


def hostile_day() -> list:
    entries = []
    for n in range(1, 31):
        changes: dict = {"title": f"Paper {n} [x](https://evil.example)" if n % 3 == 0 else f"Paper {n}"}
        if n % 2:
            changes.update(summary=HOSTILE_ANSWERS[n // 2], summary_status="done")
        if n % 4 == 0:
            changes.update(authors=["[x](https://evil.example)", "![p](https://evil.example/p.png)", "<img src=x>"],
                           abstract="![p](https://evil.example/p.png) [x](https://evil.example) </details> ```")
        entries.append(entry(n, **changes))
    return entries


def test_a_day_of_hostile_answers_and_fields_still_shows_every_entry():
    text = render_readme(digest(*hostile_day(), model="<b>model</b> [x](https://evil.example)"), UPDATED)
    assert len(HOSTILE_ANSWERS) == 15 and "\x00" not in text and text.encode("utf-8")
    assert len(text) < 200_000  # the 2 MB answer arrived cut
    page = read(render(text))
    # All 30 entries are shown, as headings of the page itself, none swallowed by an answer's block.
    titles = [f"Paper {n} [x](https://evil.example)" if n % 3 == 0 else f"Paper {n}" for n in range(1, 31)]
    assert page.h3 == [(f"{n}. {title}", 0) for n, title in enumerate(titles, start=1)]
    # Every <details> closes: 15 opened, 15 closed, and no entry heading inside one (depth 0 above).
    assert [tag for tag, _ in page.tags].count("details") == 15 and page.closed.count("details") == 15
    # Nothing runs, embeds or links out: the only links are the 30 to arXiv.
    assert live_markup(page) == [f"<a href='https://arxiv.org/abs/2411.{18000 + n}'>" for n in range(1, 31)]
    assert "evil.example" not in " ".join(str(attrs) for _, attrs in page.tags)
    assert not page.named("img", "script") and not page.comments
