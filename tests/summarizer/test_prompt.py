"""The system prompt: the built-in one in the configured language, a prompt file exactly as written."""
from __future__ import annotations

from shared.config import DEFAULT_PROMPT, BotConfig
from services.summarizer.prompt import language_of, system_prompt


def test_the_default_prompt_asks_for_the_four_parts_in_english() -> None:
    prompt = system_prompt(BotConfig())
    assert prompt.startswith(DEFAULT_PROMPT) and prompt.endswith("Write the summary in English.")
    for part in ("contributions", "Method and experimental setup", "ablations", "Conclusions, limitations"):
        assert part in prompt


def test_chinese_keeps_technical_terms_in_english() -> None:
    config = BotConfig()
    config.ai_summary.language = "zh-CN"
    prompt = system_prompt(config)
    assert "Write the summary in Chinese (简体中文)" in prompt and "in English" in prompt
    assert language_of(config) == "zh-cn"


def test_an_unknown_language_code_is_named_as_it_is() -> None:
    config = BotConfig()
    config.ai_summary.language = "tlh"
    assert "the language with the code 'tlh'" in system_prompt(config)


def test_a_prompt_file_is_sent_as_written_whatever_the_language() -> None:
    config = BotConfig(prompt="请用中文总结这篇论文。")
    config.ai_summary.language = "de"
    assert system_prompt(config) == "请用中文总结这篇论文。"
