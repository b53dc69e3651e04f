"""The researcher's config.json: the reference bot's format, read unchanged.

Unknown keys are kept (so a round trip loses nothing) and warned about once; a wrong type is an error that
names the key. Defaults are the reference bot's own.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

DEFAULT_KEYWORDS = [
    "LLM", "RL", "RLHF", "Inference", "Training", "Attention", "Pipeline", "MOE", "Sparse", "Quantization",
    "Speculative", "Efficient", "Efficiency", "Framework", "Parallel", "Distributed", "Kernel", "Decode",
    "Decoding", "Prefill", "Throughput", "Fast", "Network", "Hardware", "Cluster", "FP8", "FP4",
    "Optimization", "Scalable", "Communication",
]

DEFAULT_PROMPT = """You are an expert reader of research papers. Summarize the paper below for a researcher \
deciding whether to read it. Use Markdown with these sections:
1. Main contributions and what is new
2. Method and experimental setup (datasets, baselines, metrics)
3. Key results, with the numbers that matter
4. Limitations and open questions
Be precise and brief; do not invent results that the text does not state."""

# The profile config.json's keywords define; more profiles per deployment arrive with the scorer's roadmap.
DEFAULT_PROFILE = "default"

# Keys the reference bot reads that this project does not act on (yet): kept, and not worth a warning each run.
REFERENCE_ONLY_KEYS = {"deduplication_methods", "fetch_ratings", "display_limit"}


class ConfigError(ValueError):
    """config.json cannot be used; the message names the file and the key."""


class AISummaryConfig(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    enabled: bool = True
    api_key_env: str = "DASHSCOPE_API_KEY"
    base_url: str = "https://dashscope.aliyuncs.com/compatible-mode/v1"
    model: str = "qwen-long"
    prompt_file: str = "ai_summary_prompt.txt"
    max_papers_to_summarize: int = Field(15, ge=0)
    max_workers: int = Field(3, ge=1, le=64)


class BotConfig(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    categories: list[str] = Field(default_factory=lambda: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"], min_length=1)
    keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    exclude_keywords: list[str] = Field(default_factory=lambda: ["survey", "review", "tutorial"])
    max_papers: int = Field(30, ge=0)
    days_back: int = Field(7, ge=0)
    min_score: float = 2.5
    enable_deduplication: bool = True
    ai_summary: AISummaryConfig = Field(default_factory=AISummaryConfig)
    # Resolved by load_config from ai_summary.prompt_file; part of the run's snapshot so every service
    # summarizes with the same prompt the fetch saw.
    prompt: str = DEFAULT_PROMPT

    @field_validator("categories")
    @classmethod
    def _categories_look_like_arxiv(cls, value: list[str]) -> list[str]:
        for cat in value:
            # Archive names are lower-case letters and dashes, optionally ".SUBJECT"; anything else would be
            # pasted into a URL path.
            head, _, tail = cat.partition(".")
            if not head or not all(c.isalpha() or c == "-" for c in head + tail):
                raise ValueError(f"{cat!r} is not an arXiv category such as 'cs.AI'")
        return value

    @field_validator("keywords", "exclude_keywords")
    @classmethod
    def _no_empty_keywords(cls, value: list[str]) -> list[str]:
        # An empty keyword is a substring of every text: it would select everything or exclude everything.
        return [k for k in value if k.strip()]

    def unknown_keys(self) -> list[str]:
        extra = list(self.model_extra or {})
        extra += [f"ai_summary.{k}" for k in (self.ai_summary.model_extra or {})]
        return extra

    def snapshot(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> "BotConfig":
        """The config a run was fetched with (already validated and warned about once, by the fetcher)."""
        return cls.model_validate(data)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.snapshot(), sort_keys=True).encode()).hexdigest()[:16]


def parse_config(data: Any, source: str = "config.json") -> BotConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a JSON object at the top level")
    try:
        config = BotConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"{source}: key '{key}': {first['msg']} (got {first.get('input')!r})") from None
    for key in config.unknown_keys():
        if key not in REFERENCE_ONLY_KEYS:
            log.warning("%s: unknown key '%s' is kept but not used", source, key)
    return config


def load_config(path: str | Path | None, missing_ok: bool = False) -> BotConfig:
    """Read config.json. With missing_ok, an absent file means the reference defaults (a fresh clone has none)."""
    if path is None:
        return BotConfig()
    path = Path(path)
    if not path.exists():
        if missing_ok:
            log.info("%s not found: using the reference defaults", path)
            return BotConfig()
        raise ConfigError(f"{path}: no such config file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    config = parse_config(data, str(path))
    prompt_path = path.parent / config.ai_summary.prompt_file
    if config.ai_summary.prompt_file and prompt_path.is_file():
        try:
            config.prompt = prompt_path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{prompt_path}: the prompt file must be UTF-8 text: {exc}") from None
    return config
