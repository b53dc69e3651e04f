"""What the model is told: the system prompt in the configured language, and the paper's header.

The built-in prompt gains a line naming the language (`ai_summary.language`); a prompt file is the
researcher's own words and is sent as it is (the reference's own prompt file asks for Chinese itself).
"""
from __future__ import annotations

from shared.config import DEFAULT_PROMPT, BotConfig
from shared.models import Paper

SIMPLIFIED, TRADITIONAL = "Chinese (简体中文)", "Chinese (繁體中文)"
LANGUAGES = {"en": "English", "zh": SIMPLIFIED, "zh-cn": SIMPLIFIED, "zh-hans": SIMPLIFIED, "zh-tw": TRADITIONAL,
             "zh-hant": TRADITIONAL, "zh-hk": TRADITIONAL, "ja": "Japanese", "ko": "Korean",
             "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian", "ru": "Russian",
             "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "vi": "Vietnamese", "ar": "Arabic", "hi": "Hindi"}


def language_of(config: BotConfig) -> str:
    """The language as it goes into the cache key: normalised, so `zh-CN` and `zh-cn` share summaries."""
    return config.ai_summary.language.lower()[:32]


def language_line(language: str) -> str:
    if language == "en":
        return "Write the summary in English."
    name = (LANGUAGES.get(language) or LANGUAGES.get(language.split("-")[0])
            or f"the language with the code '{language}'")
    return (f"Write the summary in {name}. Keep technical terms, method, model and dataset names, and metric names "
            "in English.")


def system_prompt(config: BotConfig) -> str:
    if config.prompt != DEFAULT_PROMPT:
        return config.prompt
    return f"{DEFAULT_PROMPT}\n{language_line(language_of(config))}"


def paper_header(paper: Paper) -> str:
    return (f"Title: {paper.title}\nAuthors: {', '.join(paper.authors)}\n"
            f"Categories: {', '.join(paper.categories)}\narXiv: {paper.arxiv_id}v{paper.version}\n\n"
            f"Abstract:\n{paper.abstract}")
