"""Discord messages: embeds within Discord's limits, split when a digest is long, no mention ever pings."""
from __future__ import annotations

import re

from services.publisher.webhooks import discord
from services.publisher.webhooks.textfit import utf16_len
from tests.publisher.webhooks.digests import (LONG_SUMMARY, assert_clean_cut, digest_notice, hostile_digest,
                                              long_digest, strings)


def test_thirty_long_papers_are_split_within_every_limit() -> None:
    messages = discord.render(digest_notice(long_digest(30))[0])
    assert len(messages) > 1
    titles = []
    for message in messages:
        assert message["allowed_mentions"] == {"parse": []}
        assert utf16_len(message["content"]) <= discord.CONTENT_CHARS
        assert 1 <= len(message["embeds"]) <= discord.MAX_EMBEDS
        total = 0
        for embed in message["embeds"]:
            assert utf16_len(embed["title"]) <= discord.TITLE_CHARS
            assert utf16_len(embed["description"]) <= discord.DESCRIPTION_CHARS
            assert utf16_len(embed["footer"]["text"]) <= discord.FOOTER_CHARS
            assert embed["url"].startswith("https://arxiv.org/abs/")
            total += utf16_len(embed["title"]) + utf16_len(embed["description"]) + utf16_len(embed["footer"]["text"])
            titles.append(embed["title"])
        assert total <= discord.MESSAGE_EMBED_CHARS
    assert [int(t.split(".")[0]) for t in titles] == list(range(1, 31))


def test_long_text_is_cut_between_graphemes() -> None:
    (message, *_) = discord.render(digest_notice(long_digest(1))[0])
    embed = message["embeds"][0]
    summary = embed["description"].split("\n\n", 1)[1]
    assert summary.endswith("…")
    assert_clean_cut(summary, "".join(discord.escape(c) for c in LONG_SUMMARY.strip()))
    assert embed["title"].endswith("…") and utf16_len(embed["title"]) <= 256


def test_hostile_text_is_inert() -> None:
    (message,) = discord.render(digest_notice(hostile_digest(2))[0])
    every = "\n".join(strings(message["embeds"]) + [message["content"]])
    assert not re.search(r"@(everyone|here)", every)  # a zero-width space after every @
    assert "@\u200beveryone" in every
    assert not re.search(r"(?<!\\)\[click me(?<!\\)\]", every)  # no Markdown link left
    assert "\\[click me\\]\\(http" in every and "\\<script\\>" in every and "\\<@U123\\>" in every
    assert not re.search(r"(?<!\\)<[@#!a]", every)
    assert not re.search(r"(?<!\\)\*\*bold", every) and "\\|\\|spoiler" in every
