"""config.json in the reference bot's format: read unchanged, defaults equal the reference's, errors name the key."""
from __future__ import annotations

import json
import logging

import pytest

from shared.config import (DEFAULT_KEYWORDS, DEFAULT_PROMPT, BotConfig, ConfigError, load_config,
                           parse_config)
from shared.profiles import MAX_TERM_CHARS, MAX_TERM_CHARS_TOTAL, MAX_TERMS, _told_spelling
from tests.data import shared_data

LOGGER = "shared.config"


def write_config(tmp_path, data, name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


# --- the reference's own config and defaults ----------------------------------------------------------------

def test_reference_config_loads_unchanged(caplog):
    path = shared_data("reference/config.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        config = load_config(path)
    snapshot = config.snapshot()
    # Every value of the file, known key or not, is there as written (beside our own defaults for new keys).
    for key, value in raw.items():
        if isinstance(value, dict):
            assert {k: snapshot[key][k] for k in value} == value, key
        else:
            assert snapshot[key] == value, key
    assert config.model_extra == {k: raw[k] for k in ("deduplication_methods", "fetch_ratings", "display_limit")}
    # Those three are the reference's own keys: kept quietly, not warned about every run.
    assert warnings_of(caplog) == []


def test_defaults_are_the_reference_defaults():
    config = BotConfig()
    assert config.categories == ["cs.AI", "cs.CL", "cs.DC", "cs.LG"]
    assert config.keywords == DEFAULT_KEYWORDS and len(DEFAULT_KEYWORDS) == 30
    assert config.exclude_keywords == ["survey", "review", "tutorial"]
    assert (config.max_papers, config.days_back, config.min_score) == (30, 7, 2.5)
    assert config.enable_deduplication is True
    ai = config.ai_summary
    assert (ai.enabled, ai.model, ai.max_papers_to_summarize, ai.max_workers) == (True, "qwen-long", 15, 3)
    assert ai.prompt_file == "ai_summary_prompt.txt"
    assert config.prompt == DEFAULT_PROMPT


def test_default_keywords_equal_the_reference_config():
    raw = json.loads(shared_data("reference/config.json").read_text(encoding="utf-8"))
    assert DEFAULT_KEYWORDS == raw["keywords"]


def test_defaults_are_not_shared_between_instances():
    # A mutable default shared between configs would leak one run's edit into the next.
    first = BotConfig()
    first.keywords.append("Extra")
    assert "Extra" not in BotConfig().keywords and "Extra" not in DEFAULT_KEYWORDS


# --- unknown keys -------------------------------------------------------------------------------------------

def test_unknown_keys_are_kept_and_warned_about_once_each(caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        config = parse_config({"colour": "blue", "ai_summary": {"temperature": 0.3}, "display_limit": 10})
    assert config.model_extra == {"colour": "blue", "display_limit": 10}
    snapshot = config.snapshot()
    assert snapshot["colour"] == "blue" and snapshot["ai_summary"]["temperature"] == 0.3
    messages = warnings_of(caplog)
    assert len(messages) == 2
    assert sum("'colour'" in m for m in messages) == 1
    assert sum("'ai_summary.temperature'" in m for m in messages) == 1
    assert not any("display_limit" in m for m in messages)


def test_restoring_a_snapshot_does_not_warn_again(caplog):
    config = parse_config({"colour": "blue"})
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        restored = BotConfig.from_snapshot(config.snapshot())
    assert restored.model_extra == {"colour": "blue"}
    assert warnings_of(caplog) == []


# --- wrong values -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, key", [
    ({"max_papers": "30"}, "max_papers"),
    ({"max_papers": 30.0}, "max_papers"),
    ({"max_papers": True}, "max_papers"),  # a bool is not a count
    ({"max_papers": -1}, "max_papers"),
    ({"days_back": "7"}, "days_back"),
    ({"keywords": "LLM"}, "keywords"),
    ({"keywords": ["LLM", 1]}, "keywords.1"),
    ({"exclude_keywords": None}, "exclude_keywords"),
    ({"enable_deduplication": "true"}, "enable_deduplication"),
    ({"min_score": "2.5"}, "min_score"),
    ({"ai_summary": None}, "ai_summary"),
    ({"ai_summary": {"max_workers": "3"}}, "ai_summary.max_workers"),
    ({"ai_summary": {"max_workers": 0}}, "ai_summary.max_workers"),
    ({"ai_summary": {"enabled": "yes"}}, "ai_summary.enabled"),
    ({"categories": []}, "categories"),
])
def test_wrong_value_is_a_config_error_naming_the_key(data, key):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "my.json")
    assert f"'{key}'" in str(info.value)
    assert "my.json" in str(info.value)


def test_top_level_must_be_an_object():
    with pytest.raises(ConfigError, match="top level"):
        parse_config(["cs.AI"])


def test_int_is_accepted_for_the_float_min_score():
    config = parse_config({"min_score": 3})
    assert config.min_score == 3.0 and isinstance(config.min_score, float)


@pytest.mark.parametrize("category", ["cs.AI/../x", "", ".AI", "cs AI", "cs.AI?x=1", "../etc"])
def test_category_that_is_not_an_arxiv_name_is_rejected(category):
    with pytest.raises(ConfigError, match="'categories'"):
        parse_config({"categories": ["cs.AI", category]})


@pytest.mark.parametrize("category", ["cs.AI", "math", "hep-ex", "astro-ph.CO", "q-bio.NC", "cond-mat.mes-hall",
                                      "physics.acc-ph", "nlin.AO"])
def test_real_arxiv_categories_are_accepted(category):
    assert parse_config({"categories": [category]}).categories == [category]


def test_a_category_typed_in_another_case_is_read_as_arxivs_spelling_with_a_warning(caplog):
    # arXiv's feeds list papers under its own spelling only: `cs.ai` would fetch nothing (or an error channel) and
    # match no paper's category.
    typed = ["cs.ai", "CS.LG", "Math.co", "astro-ph.ga", "Cond-Mat.Mes-Hall", "HEP-TH", "cs.AI", "q-bio.nc"]
    _told_spelling.cache_clear()  # told once a process: another test may have typed one of these
    with caplog.at_level(logging.WARNING):
        config = parse_config({"categories": typed, "profiles": {"other": {"categories": ["STAT.ml"]}}})
        profiles = config.profile_settings()
    assert config.categories == ["cs.AI", "cs.LG", "math.CO", "astro-ph.GA", "cond-mat.mes-hall", "hep-th", "q-bio.NC"]
    assert profiles["default"].categories == config.categories and profiles["other"].categories == ["stat.ML"]
    told = [r.getMessage() for r in caplog.records if "arXiv's spelling" in r.getMessage()]
    assert len(told) == 8 and "category 'cs.ai' read as 'cs.AI'" in told[0]


def test_empty_keywords_are_dropped():
    # An empty keyword is a substring of everything: it would select, or exclude, every paper.
    config = parse_config({"keywords": ["LLM", "", "  "], "exclude_keywords": ["", "survey"]})
    assert config.keywords == ["LLM"]
    assert config.exclude_keywords == ["survey"]


# --- reading the file ---------------------------------------------------------------------------------------

def test_invalid_json_is_a_config_error_naming_the_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"max_papers": 30,}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_bad_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b'{"keywords": ["\xff\xfe"]}')
    with pytest.raises(ConfigError):
        load_config(path)


def test_missing_file_is_an_error_unless_missing_ok(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.json")
    assert load_config(tmp_path / "absent.json", missing_ok=True) == BotConfig()
    assert load_config(None) == BotConfig()


def test_wrong_value_in_a_file_names_file_and_key(tmp_path):
    path = write_config(tmp_path, {"max_papers": "30"})
    with pytest.raises(ConfigError, match="'max_papers'") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_directory_instead_of_a_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_prompt_file_next_to_the_config_is_read(tmp_path, monkeypatch):
    path = write_config(tmp_path, {"ai_summary": {"prompt_file": "prompt.md"}})
    (tmp_path / "prompt.md").write_text("Summarize in French.\n", encoding="utf-8")
    # Resolved beside the config, not in the working directory.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(path).prompt == "Summarize in French.\n"


def test_default_prompt_file_name_is_used(tmp_path):
    path = write_config(tmp_path, {})
    (tmp_path / "ai_summary_prompt.txt").write_text("请总结这篇论文。", encoding="utf-8")
    assert load_config(path).prompt == "请总结这篇论文。"


@pytest.mark.parametrize("prompt_file", ["absent.txt", "", "."])
def test_missing_prompt_file_means_the_default_prompt(tmp_path, prompt_file):
    path = write_config(tmp_path, {"ai_summary": {"prompt_file": prompt_file}})
    assert load_config(path).prompt == DEFAULT_PROMPT


def test_prompt_file_in_a_legacy_encoding_is_a_config_error(tmp_path):
    path = write_config(tmp_path, {})
    (tmp_path / "ai_summary_prompt.txt").write_bytes("请总结这篇论文。".encode("gbk"))
    with pytest.raises(ConfigError):
        load_config(path)


# --- snapshot and digest ------------------------------------------------------------------------------------

def test_snapshot_round_trip_is_equal(tmp_path):
    path = write_config(tmp_path, {"keywords": ["LLM"], "colour": "blue", "ai_summary": {"temperature": 0.3}})
    (tmp_path / "ai_summary_prompt.txt").write_text("My prompt", encoding="utf-8")
    config = load_config(path)
    snapshot = config.snapshot()
    # A snapshot travels in messages: it must survive JSON as it is.
    assert json.loads(json.dumps(snapshot)) == snapshot
    restored = BotConfig.from_snapshot(json.loads(json.dumps(snapshot)))
    assert restored == config
    assert restored.prompt == "My prompt" and restored.snapshot() == snapshot


def test_digest_is_stable_and_follows_the_content():
    base = {"keywords": ["LLM", "RL"], "max_papers": 10}
    digest = parse_config(base).digest()
    assert digest == parse_config(dict(base)).digest()
    assert digest == BotConfig.from_snapshot(parse_config(base).snapshot()).digest()
    assert digest != parse_config({**base, "keywords": ["LLM", "RLHF"]}).digest()
    assert digest != parse_config({**base, "max_papers": 11}).digest()
    changed_prompt = parse_config(base)
    changed_prompt.prompt = "other"
    assert digest != changed_prompt.digest()


# --- bounds: one absurd value is a clear error, not an overflow hours later ---------------------------------

@pytest.mark.parametrize("data, key", [
    ({"days_back": 1_000_000}, "days_back"),
    ({"max_papers": 10**9}, "max_papers"),
    ({"min_score": float("inf")}, "min_score"),
    ({"keywords": ["x" * 101]}, "keywords.0"),
    ({"keywords": [{"term": "moe", "weight": 1e9}]}, "keywords.0.weight"),
    ({"keywords": [{"term": "moe", "colour": 1}]}, "keywords.0.colour"),
    ({"categories": ["cs.AI\n"]}, "categories"),
    ({"ai_summary": {"max_papers_to_summarize": 10_000}}, "ai_summary.max_papers_to_summarize"),
    ({"ai_summary": {"language": "en; rm -rf"}}, "ai_summary.language"),
    ({"scoring_mode": "magic"}, "scoring_mode"),
    ({"announce_types": ["new", "deleted"]}, "announce_types.1"),
    ({"profiles": {"Bad Name": {}}}, "profiles.Bad Name"),
    ({"profiles": {"lab": {"days_back": -1}}}, "profiles.lab.days_back"),
    ({"profiles": {"lab": {"keywords": "LLM"}}}, "profiles.lab.keywords"),
    ({"profiles": {"lab": []}}, "profiles.lab"),
    ({"webhooks": [{"url": "https://x.example", "format": "teams"}]}, "webhooks.0.format"),
])
def test_absurd_values_are_config_errors_naming_the_key(data, key):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "my.json")
    assert f"'{key}'" in str(info.value)


def test_weighted_keywords_and_phrases_sit_beside_plain_ones():
    config = parse_config({"keywords": ["LLM", {"term": "mixture of experts", "weight": 2}]})
    settings = config.profile_settings()["default"]
    assert [(t.term, t.weight) for t in settings.terms()] == [("LLM", 1.0), ("mixture of experts", 2.0)]
    assert config.snapshot()["keywords"] == ["LLM", {"term": "mixture of experts", "weight": 2.0}]


def test_the_top_level_is_the_default_profile_and_profiles_inherit_what_they_leave_out():
    config = parse_config({"categories": ["cs.AI", "cs.LG"], "keywords": ["LLM"], "max_papers": 10,
                           "ai_summary": {"max_papers_to_summarize": 4},
                           "profiles": {"lab": {"categories": ["cs.DC"], "scoring_mode": "reference",
                                                "ai_summary": {"max_papers_to_summarize": 2}},
                                        "group-2": {"keywords": ["graph"]}}})
    profiles = config.profile_settings()
    assert list(profiles) == ["default", "lab", "group-2"]
    assert (profiles["default"].categories, profiles["default"].scoring_mode) == (["cs.AI", "cs.LG"], "words")
    assert profiles["lab"].categories == ["cs.DC"] and profiles["lab"].keywords == ["LLM"]
    assert profiles["lab"].max_papers == 10 and profiles["lab"].scoring_mode == "reference"
    assert profiles["lab"].ai_summary.max_papers_to_summarize == 2
    assert profiles["group-2"].ai_summary.max_papers_to_summarize == 4
    assert profiles["group-2"].categories == ["cs.AI", "cs.LG"] and profiles["group-2"].keywords == ["graph"]


def test_unknown_keys_in_a_profile_are_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        parse_config({"profiles": {"lab": {"colour": "red"}}})
    assert any("'profiles.lab.colour'" in m for m in warnings_of(caplog))


@pytest.mark.parametrize("prompt_file", ["../outside.txt", "/etc/passwd", "/proc/self/environ", "link.txt"])
def test_a_prompt_file_outside_the_config_folder_is_refused(tmp_path, prompt_file):
    folder = tmp_path / "conf"
    folder.mkdir()
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    path = write_config(folder, {"ai_summary": {"prompt_file": prompt_file}})
    with pytest.raises(ConfigError, match="'ai_summary.prompt_file'.*outside"):
        load_config(path)


def test_a_prompt_file_in_a_subfolder_is_fine_and_a_huge_one_is_refused(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "zh.txt").write_text("用中文总结。", encoding="utf-8")
    config = load_config(write_config(tmp_path, {"ai_summary": {"prompt_file": "prompts/zh.txt"}}))
    assert config.prompt == "用中文总结。"
    (tmp_path / "big.txt").write_text("x" * 100_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(write_config(tmp_path, {"ai_summary": {"prompt_file": "big.txt"}}))


def test_every_wrong_key_is_named_at_once():
    with pytest.raises(ConfigError) as info:
        parse_config({"days_back": 1e309, "min_score": "high", "max_papers": -1}, "my.json")
    message = str(info.value)
    assert message.startswith("my.json: key '")
    assert all(f"'{key}'" in message for key in ("days_back", "min_score", "max_papers"))
    with pytest.raises(ConfigError) as info:
        parse_config({"profiles": {"lab": {"max_papers": "x", "days_back": -3}}}, "my.json")
    assert "'profiles.lab.max_papers'" in str(info.value) and "'profiles.lab.days_back'" in str(info.value)


@pytest.mark.parametrize("data, key", [
    ({"keywords": ["LLM", "!!!"]}, "keywords.1"),
    ({"keywords": [{"term": "--", "weight": 2}]}, "keywords.0"),
    ({"exclude_keywords": ["survey", "..."]}, "exclude_keywords.1"),
    ({"authors": {"boost": [{"name": "()", "weight": 2}]}}, "authors.boost.0"),
    ({"authors": {"block": ["?"]}, "scoring_mode": "reference"}, "authors.block.0"),  # a name, in any mode
    ({"scoring_mode": "reference", "keywords": ["!!"], "profiles": {"w": {"scoring_mode": "words"}}},
     "profiles.w.keywords.0"),
])
def test_a_term_that_could_never_match_is_a_config_error_naming_it(data, key):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "my.json")
    assert f"key '{key}': a term needs a letter or digit to match" in str(info.value)


def long_terms(prefix: str, count: int = MAX_TERMS) -> list[str]:
    """`count` distinct terms of MAX_TERM_CHARS characters each: the most a profile's list takes."""
    return [f"{prefix} {number:04d} ".ljust(MAX_TERM_CHARS, "x") for number in range(count)]


def test_profiles_past_what_one_run_matches_are_a_config_error_naming_the_first_that_does_not_fit():
    per_profile = 2 * MAX_TERMS * MAX_TERM_CHARS
    profiles = {f"p{n:02d}": {"keywords": long_terms(f"k{n}"), "exclude_keywords": long_terms(f"e{n}")}
                for n in range(MAX_TERM_CHARS_TOTAL // per_profile + 1)}
    top = {"keywords": ["LLM"], "exclude_keywords": []}
    with pytest.raises(ConfigError) as info:
        parse_config({**top, "profiles": profiles}, "my.json")
    last = f"p{MAX_TERM_CHARS_TOTAL // per_profile - 1:02d}"  # `default`'s 3 characters leave it no room
    assert f"key 'profiles.{last}': all profiles' distinct keywords, exclusions and authors together would pass " \
           f"{MAX_TERM_CHARS_TOTAL:,} characters" in str(info.value)
    fitting = {name: profile for name, profile in profiles.items() if name < last}
    assert len(parse_config({**top, "profiles": fitting}, "my.json").profiles) == len(profiles) - 2


def test_terms_many_profiles_share_count_once():
    # A lab's 200 profiles that inherit the top level's long keyword list match it once.
    config = parse_config({"keywords": long_terms("shared"), "exclude_keywords": long_terms("out"),
                           "profiles": {f"p{n}": {"max_papers": n} for n in range(200)}})
    assert len(config.profiles) == 200


def test_reference_mode_keeps_any_substring_the_reference_accepted():
    assert parse_config({"scoring_mode": "reference", "keywords": ["!!!", "C++"]}).keywords == ["!!!", "C++"]
