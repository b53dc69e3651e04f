"""The LLM answer checked at the boundary (services/summarizer/answer.py)."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from shared.models import Summary
from shared.runtime import Env
from services.summarizer.answer import CUT_MARK, AnswerError, clean_answer

LIMIT = 1000
# Surrogates by code point: some tools read "\udXXX" escapes as one replacement character and see duplicates.
HIGH, LOW, HIGH_MAX, LOW_MIN = chr(0xD800), chr(0xDFFF), chr(0xDBFF), chr(0xDC00)


def mark(limit: int = LIMIT) -> str:
    return CUT_MARK.format(limit=limit)


@pytest.mark.parametrize(("raw", "reason"), [
    (None, "the model sent no answer"),
    (42, "the answer is a int, not text"),
    (b"bytes", "the answer is a bytes, not text"),
    (["a list"], "the answer is a list, not text"),
    ({"content": "x"}, "the answer is a dict, not text"),
    ("", "the answer is empty"),
    ("  \n\t \r\n", "the answer is empty"),
    ("\x00\x00", "the answer holds no printable text"),
    (f"{HIGH} \x00 {LOW}", "the answer holds no printable text"),
])
def test_no_text_is_an_answer_error_with_a_reason(raw: object, reason: str) -> None:
    with pytest.raises(AnswerError, match=f"^{reason}$") as caught:
        clean_answer(raw, LIMIT)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("raw", "clean"), [
    ("a\x00b", "ab"),                            # NUL: PostgreSQL text refuses it
    (f"a{HIGH}b", "ab"),                         # a lone high surrogate: UTF-8 cannot encode it
    (f"a{LOW}b", "ab"),                          # a lone low one
    ("smile \ud83d\ude00", "smile 😀"),          # a pair written as two halves is one character
    ("x\x1b[31mred\x1b[0m\x07", "x[31mred[0m"),  # terminal escapes and the bell
    ("  **Summary**\r\n\r\n- point\r  ", "**Summary**\n\n- point"),
    ("tab\tkept 语言 🚀", "tab\tkept 语言 🚀"),
])
def test_what_no_store_can_hold_is_stripped(raw: str, clean: str) -> None:
    assert clean_answer(raw, LIMIT) == clean


def test_an_answer_within_the_limit_is_kept_whole() -> None:
    text = "w" * LIMIT
    assert clean_answer(text, LIMIT) == text


def test_a_two_megabyte_answer_is_cut_at_a_line_with_a_visible_mark() -> None:
    line = "The model repeats itself at length here.\n"
    raw = line * (2_000_000 // len(line))
    assert len(raw) > 1_900_000
    cut = clean_answer(raw, 20_000)
    body = cut.removesuffix(mark(20_000))
    assert cut.endswith("\n\n… [cut: the answer was longer than 20000 characters]")
    assert len(body) <= 20_000 and len(body) > 16_000 and body.endswith("at length here.")


def test_without_line_breaks_the_cut_falls_between_words() -> None:
    cut = clean_answer("word " * 1000, LIMIT).removesuffix(mark())
    assert cut.endswith("word") and len(cut) <= LIMIT and set(cut.split(" ")) == {"word"}


def test_without_any_boundary_the_cut_falls_at_the_limit() -> None:
    assert clean_answer("x" * 5000, LIMIT) == "x" * LIMIT + mark()


def test_a_cut_never_splits_a_character() -> None:
    cut = clean_answer("a" * (LIMIT - 1) + "😀" * 50, LIMIT).removesuffix(mark())
    assert cut == "a" * (LIMIT - 1) + "😀" and cut.encode("utf-8").decode("utf-8") == cut


HOSTILE = ["\x00", HIGH, HIGH_MAX, LOW_MIN, LOW, "\ud83d\ude00", "\x1b", "\r", "\n", " ", "a", "é",
           "语", "🚀", "\ufffe", "\uffff", "<", "`", "\x7f", "\u2028"]
NOTHING_PRINTABLE = {"\x00", HIGH, HIGH_MAX, LOW_MIN, LOW, "\x1b", "\r", "\n", " ", "\x7f", "\u2028"}


@pytest.mark.parametrize("seed", range(20))
def test_whatever_arrives_the_result_is_utf8_without_nul_and_bounded(seed: int) -> None:
    rng = random.Random(seed)
    raw = "".join(rng.choice(HOSTILE) for _ in range(rng.randrange(0, 3000)))
    try:
        clean = clean_answer(raw, LIMIT)
    except AnswerError:
        assert set(raw) <= NOTHING_PRINTABLE  # refused only when there was nothing to keep
        return
    assert "\x00" not in clean and clean.encode("utf-8")
    assert len(clean) <= LIMIT + len(mark())


async def test_every_cleaned_answer_is_stored_and_read_back_by_postgresql(pg_env: Env) -> None:
    raws = ["NUL \x00 inside", f"lone {HIGH} surrogate", "pair \ud83d\ude00", "x" * 50_000,
            "".join(random.Random(7).choice(HOSTILE) for _ in range(5000))]
    cleaned = [clean_answer(raw, LIMIT) for raw in raws]
    now = datetime.now(timezone.utc)
    async with pg_env.sessions() as session, session.begin():
        for n, text in enumerate(cleaned):
            session.add(Summary(arxiv_id=f"2411.{n:05d}", version=1, model="m", prompt_hash="p", language="en",
                                source="abstract", status="done", text=text, created_at=now))
    async with pg_env.sessions() as session:
        stored = [(await session.get(Summary, (f"2411.{n:05d}", 1, "m", "p", "en", "abstract"))).text
                  for n in range(len(raws))]
    assert stored == cleaned
