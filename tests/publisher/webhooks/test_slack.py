"""Slack messages: Block Kit shapes within Slack's limits, split when a digest is long, inert text."""
from __future__ import annotations

import re

from services.publisher.webhooks import slack
from services.publisher.webhooks.textfit import utf16_len
from tests.publisher.webhooks.digests import (LONG_SUMMARY, assert_clean_cut, digest_notice, hostile_digest,
                                              long_digest, strings)


def texts(message: dict) -> list[dict]:
    found = []
    for block in message["blocks"]:
        found += [block["text"]] if "text" in block else []
        found += block.get("elements", [])
    return found


def test_thirty_long_papers_are_split_within_every_limit() -> None:
    messages = slack.render(digest_notice(long_digest(30))[0])
    assert len(messages) > 1
    ranks = []
    for message in messages:
        assert set(message) == {"text", "blocks", "unfurl_links", "unfurl_media"}
        assert len(message["blocks"]) <= slack.MAX_BLOCKS and utf16_len(message["text"]) <= slack.FALLBACK_CHARS
        assert message["blocks"][0]["type"] == "header"
        assert utf16_len(message["blocks"][0]["text"]["text"]) <= slack.HEADER_CHARS
        assert sum(utf16_len(s) for s in strings(message["blocks"])) <= slack.MESSAGE_CHARS
        for block in message["blocks"]:
            assert block["type"] in ("header", "context", "section", "divider")
            if block["type"] == "section":
                assert block["text"]["type"] == "mrkdwn" and block["text"]["verbatim"] is True
                assert utf16_len(block["text"]["text"]) <= slack.SECTION_CHARS
        ranks += [int(m.group(1)) for m in re.finditer(r"^\*(\d+)\. ", "\n".join(
            b["text"]["text"] for b in message["blocks"] if b["type"] == "section"), re.M)]
    assert ranks == list(range(1, 31))  # every paper once, in order, none lost to the split
    assert [m["blocks"][0]["text"]["text"][-7:] for m in messages][-1].endswith(f"/{len(messages)})")


def test_long_summaries_are_cut_between_graphemes() -> None:
    (message, *_) = slack.render(digest_notice(long_digest(1))[0])
    summary = message["blocks"][3]["text"]["text"]
    assert summary.endswith("…")
    assert_clean_cut(summary, "".join(slack.escape(c) for c in LONG_SUMMARY.strip()))


def test_hostile_text_is_inert() -> None:
    (message,) = slack.render(digest_notice(hostile_digest(2))[0])
    every = "\n".join(t["text"] for t in texts(message))
    # The only <...> left are the links this renderer made itself.
    assert {m.split("|")[0] for m in re.findall(r"<([^>]*)>", every)} == {
        "https://arxiv.org/abs/2411.18001", "https://arxiv.org/abs/2411.18002", "http://publisher.example:8004/readme"}
    assert "&lt;!channel&gt;" in every and "&lt;script&gt;" in every and "&amp;" in every
    assert all(t.get("verbatim") for t in texts(message) if t["type"] == "mrkdwn")


def test_an_unsafe_paper_link_is_left_out() -> None:
    d = hostile_digest(1)
    d.entries[0].__dict__["abs_url"] = "https://arxiv.org/abs/1|<!channel>"
    (message,) = slack.render(digest_notice(d)[0])
    assert "arxiv.org/abs/1|" not in str(message) and message["blocks"][2]["text"]["text"].startswith("*1. Paper")
