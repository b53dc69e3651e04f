"""Digests for the webhook tests: hostile text everywhere, and long ones that no chat message can hold."""
from __future__ import annotations

from datetime import date, datetime, timezone

from services.publisher.digest import Digest
from services.publisher.webhooks.notice import Notice, notices
from tests.publisher.entries import digest, entry

HOSTILE = ("<script>alert(1)</script> & [click me](http://evil.example/x) <!channel> <!here> @everyone @here "
           "<@U123> <#C1> <at id=all></at> <at user_id=\"all\">all</at> **bold** `code` ~strike~ ||spoiler||")
# Long and unfriendly to cutting: 4-byte emoji, a ZWJ family, a flag, combining accents, CJK, entities.
LONG_SUMMARY = ("## Summary\n" + "Résumé with e\u0301 accents, 中文摘要, 👩‍👩‍👧 families and 🇫🇷 flags & <tags>. " * 60)
NOW = datetime(2024, 11, 28, 12, 0, tzinfo=timezone.utc)


def hostile_digest(papers: int = 2, profile: str = "default") -> Digest:
    entries = [entry(n, title=f"Paper {n} {HOSTILE}", abstract=f"Abstract {HOSTILE}",
                     authors=[f"Mallory <@U{n}> @everyone", "Ada Lovelace"], summary=f"Summary {HOSTILE}",
                     summary_status="done", why=f"LLM (title), {HOSTILE}") for n in range(1, papers + 1)]
    return digest(*entries, profile=profile)


def long_digest(papers: int = 30) -> Digest:
    entries = [entry(n, title=f"Paper {n}: " + "A very long title about efficient LLM inference " * 8,
                     authors=[f"Author {i}" for i in range(60)], summary=LONG_SUMMARY, summary_status="done",
                     why="LLM (title), inference, KV cache") for n in range(1, papers + 1)]
    return digest(*entries)


def digest_notice(d: Digest, per: str = "digest") -> list[Notice]:
    return [n for _, _, n in notices(d, per, "k" * 64, date(2024, 11, 28), "http://publisher.example:8004", NOW)]


def strings(value: object) -> list[str]:
    """Every string inside a rendered message."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def assert_clean_cut(cut: str, whole: str) -> None:
    """`cut` is `whole` (escaped the same way), whole or cut between two graphemes and marked with '…'."""
    import unicodedata

    if not cut.endswith("…") or cut == whole:
        assert cut == whole
        return
    body = cut[:-1]
    assert whole.startswith(body), (body[-20:], whole[len(body) - 20:len(body) + 5])
    following = whole[len(body):].lstrip()[:1]
    assert body[-1:] != "\u200d", "cut after a zero-width joiner"
    assert not following or unicodedata.category(following) not in ("Mn", "Me", "Mc"), "accent cut off"
    assert following not in ("\u200d", "\ufe0f") and not ("\U0001f3fb" <= following <= "\U0001f3ff")
    indicators = len(body) - len(body.rstrip("".join(chr(c) for c in range(0x1F1E6, 0x1F200))))
    assert indicators % 2 == 0, "a flag cut in half"
