"""The researcher's config.json: the reference bot's format, read unchanged, plus profiles and webhooks.

Unknown keys are kept (so a round trip loses nothing) and warned about once; a wrong type or an absurd value
is an error that names the key. Defaults are the reference bot's own, except `scoring_mode`, which is
`words` unless the file asks for `reference`.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.profiles import (DEFAULT_KEYWORDS, DEFAULT_PROFILE, MAX_PROFILES, PROFILE_KEYS, PROFILE_NAME, ProfileFields,
                             ProfileSettings, TermBudget, error_keys, resolve, term_problems)

__all__ = ["DEFAULT_KEYWORDS", "DEFAULT_PROFILE", "DEFAULT_PROMPT", "AISummaryConfig", "BotConfig", "ConfigError",
           "load_config", "parse_config"]
log = logging.getLogger(__name__)

DEFAULT_PROMPT = """You are an expert reader of research papers. Summarize the paper below for a researcher \
deciding whether to read it. Use Markdown with these sections:
1. Main contributions and what is new
2. Method and experimental setup (datasets, baselines, metrics)
3. Key results, with the numbers that matter, and what the ablations show
4. Conclusions, limitations and open questions
Be precise and brief; do not invent results that the text does not state."""

# Keys the reference bot reads that this project does not act on: kept, and not worth a warning each run.
REFERENCE_ONLY_KEYS = {"deduplication_methods", "fetch_ratings", "display_limit"}
MAX_PROMPT_BYTES = 64 * 1024


class ConfigError(ValueError):
    """config.json cannot be used; the message names the file and the key."""


class AISummaryConfig(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")

    enabled: bool = True
    api_key_env: str = Field("DASHSCOPE_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    base_url: str = Field("https://dashscope.aliyuncs.com/compatible-mode/v1", max_length=2000)
    model: str = Field("qwen-long", min_length=1, max_length=128)
    prompt_file: str = Field("ai_summary_prompt.txt", max_length=1000)
    max_papers_to_summarize: int = Field(15, ge=0, le=200)
    max_workers: int = Field(3, ge=1, le=64)
    # The summary's language (e.g. "en", "zh"); the prompt asks the model to write in it.
    language: str = Field("en", pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
    max_input_tokens: int = Field(24_000, ge=1_000, le=1_000_000)
    # "dashscope-file": upload the PDF to DashScope's files endpoint, as the reference does.
    upload: Literal["dashscope-file"] | None = None
    rpm: int | None = Field(None, ge=1, le=100_000)
    tpm: int | None = Field(None, ge=1, le=100_000_000)


# Webhooks a profile may have (config.json's list, and the API's per profile): each publication is a delivery
# to every one, so a script gone wrong must not make that endless.
MAX_WEBHOOKS = 100


class WebhookConfig(BaseModel):
    """A webhook `run --once` delivers to at the end of its run (the services keep theirs in the store)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    url: str = Field(min_length=1, max_length=2000)
    format: Literal["json", "slack", "discord", "feishu"] = "json"
    secret_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    profile: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,40}$")] = DEFAULT_PROFILE
    per: Literal["digest", "paper"] = "digest"


class BotConfig(ProfileFields):
    ai_summary: AISummaryConfig = Field(default_factory=AISummaryConfig)
    profiles: dict[str, dict[str, Any]] = Field(default_factory=dict, max_length=MAX_PROFILES)
    webhooks: list[WebhookConfig] = Field(default_factory=list, max_length=MAX_WEBHOOKS)
    # Resolved by load_config from ai_summary.prompt_file; part of the run's snapshot so every service
    # summarizes with the same prompt the fetch saw.
    prompt: str = DEFAULT_PROMPT

    def unknown_keys(self) -> list[str]:
        extra = list(self.model_extra or {})
        extra += [f"ai_summary.{k}" for k in (self.ai_summary.model_extra or {})]
        for name, overrides in self.profiles.items():
            extra += [f"profiles.{name}.{k}" for k in overrides if k not in PROFILE_KEYS]
        return extra

    def profile_settings(self) -> dict[str, ProfileSettings]:
        """Every profile, fully resolved; `default` (the top level) first."""
        base = self.snapshot()
        settings = {DEFAULT_PROFILE: resolve(DEFAULT_PROFILE, base, self.profiles.get(DEFAULT_PROFILE, {}))}
        for name, overrides in self.profiles.items():
            if name != DEFAULT_PROFILE:
                settings[name] = resolve(name, base, overrides)
        return settings

    def snapshot(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> "BotConfig":
        """The config a run was fetched with (already validated and warned about once, by the fetcher)."""
        return cls.model_validate(data)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.snapshot(), sort_keys=True).encode()).hexdigest()[:16]


def _invalid(source: str, problems: list[tuple[str, str, Any]]) -> ConfigError:
    """Every wrong key at once, each with what was wrong and what it held: fixing a file one error per run is
    slow."""
    return ConfigError(f"{source}: " + "; ".join(f"key '{key}': {msg} (got {value!r})"
                                                 for key, msg, value in problems))


def _check_profiles(config: BotConfig, source: str) -> None:
    base = config.snapshot()
    budget = TermBudget()
    budget.take(config)  # the top level's are `default`'s
    for name, overrides in config.profiles.items():
        if not PROFILE_NAME.fullmatch(name):
            raise ConfigError(f"{source}: key 'profiles.{name}': a profile name is 1 to 40 characters of a-z, "
                              "0-9 and '-'")
        if not isinstance(overrides, dict):
            raise ConfigError(f"{source}: key 'profiles.{name}': expected an object of profile keys")
        try:
            resolved = resolve(name, base, overrides)
        except ValidationError as exc:
            raise _invalid(source, error_keys(exc, f"profiles.{name}")) from None
        if problems := term_problems(resolved, f"profiles.{name}"):
            raise _invalid(source, problems)
        if not budget.take(resolved):
            raise ConfigError(f"{source}: key 'profiles.{name}': {budget.refusal()}")


def parse_config(data: Any, source: str = "config.json") -> BotConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a JSON object at the top level")
    try:
        config = BotConfig.model_validate(data)
    except ValidationError as exc:
        raise _invalid(source, error_keys(exc)) from None
    if problems := term_problems(config):
        raise _invalid(source, problems)
    _check_profiles(config, source)
    for key in config.unknown_keys():
        if key not in REFERENCE_ONLY_KEYS:
            log.warning("%s: unknown key '%s' is kept but not used", source, key)
    return config


def read_prompt(config_dir: Path, prompt_file: str) -> str | None:
    """The prompt file's text, or None if there is none. It must lie inside the config's folder: a path that
    leaves it (`../../etc/passwd`, `/proc/self/environ`, a symlink pointing out) would send that file to the
    LLM and store it in every run's snapshot."""
    if not prompt_file:
        return None
    root = config_dir.resolve()
    path = (root / prompt_file).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"{config_dir / 'config.json'}: key 'ai_summary.prompt_file': {prompt_file!r} is outside "
                          f"the config's folder {root}")
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()[:MAX_PROMPT_BYTES + 1]
        if len(data) > MAX_PROMPT_BYTES:
            raise ConfigError(f"{path}: the prompt file is larger than {MAX_PROMPT_BYTES} bytes")
        text = data.decode("utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: the prompt file must be UTF-8 text: {exc}") from None
    if "\x00" in text:
        raise ConfigError(f"{path}: the prompt file must be text (it holds a NUL character)")
    return text


# A config of 1,000 profiles of 500 long keywords each is about 50 MB; a file past this is not a config.
MAX_CONFIG_BYTES = 64 * 2**20


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
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)  # bounded: /dev/zero or a wrong multi-GB file is not read whole
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes: is this the right file?")
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is not part of the JSON.
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # undecodable, not JSON, a 5,000-digit number, nested too deep
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    config = parse_config(data, str(path))
    prompt = read_prompt(path.parent, config.ai_summary.prompt_file)
    if prompt is not None:
        config.prompt = prompt
    return config
