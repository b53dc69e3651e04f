"""The GitHub Actions example runs the pipeline the reference bot's way and keeps what it paid for."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.e2e.cli import arxiv_bot, child_env
from tests.feeds import Item, feed
from tests.ops.tooling import ROOT
from tests.servers import FakeArxiv

WORKFLOW = ROOT / "examples/github-actions/daily-digest.yml"


def workflow() -> dict:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1); GitHub reads it as "on".
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True)
    return data


def steps() -> list[dict]:
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def test_it_runs_on_weekdays_and_on_demand() -> None:
    triggers = workflow()["on"]
    assert "workflow_dispatch" in triggers
    (schedule,) = triggers["schedule"]
    _minute, _hour, day, month, weekday = schedule["cron"].split()
    assert weekday == "1-5" and day == month == "*"


def test_it_installs_and_runs_the_pipeline_once_into_the_repository() -> None:
    runs = [step.get("run", "") for step in steps()]
    install = next(i for i, run in enumerate(runs) if "pip install" in run)
    digest = next(i for i, run in enumerate(runs) if "arxiv-bot run --once --out ." in run)
    assert install < digest
    assert any(step.get("uses", "").startswith("actions/setup-python") and step["with"]["python-version"] == "3.11"
               for step in steps())


def test_the_llm_key_comes_from_the_repository_secrets() -> None:
    (step,) = [s for s in steps() if "arxiv-bot run --once" in s.get("run", "")]
    assert step["env"]["DASHSCOPE_API_KEY"] == "${{ secrets.DASHSCOPE_API_KEY }}"
    assert "secrets." not in WORKFLOW.read_text().replace("${{ secrets.DASHSCOPE_API_KEY }}", "")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_what_a_run_writes_or_removes_is_committed_and_pushed_and_the_store_never(tmp_path: Path) -> None:
    # The workflow's own run and commit steps, executed in a clone of a real repository with a remote: every file
    # of every profile goes in (the feeds with summaries too), a profile dropped from config.json leaves, a run
    # that changed nothing commits nothing, and the store stays out (GitHub refuses files over 100 MB).
    assert workflow()["permissions"]["contents"] == "write"
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    git("clone", "-q", str(remote), str(repo), cwd=tmp_path)
    config = {"categories": ["cs.AI"], "keywords": ["Sparse"], "days_back": 3650, "min_score": 0,
              "ai_summary": {"enabled": False}, "profiles": {"graphs": {"keywords": ["Graph"]}}}
    (repo / "config.json").write_text(json.dumps(config))
    (run_step,) = [s for s in steps() if "arxiv-bot run --once" in s.get("run", "")]
    commit_step = steps()[-1]["run"]
    items = [Item("2411.00001", "Sparse attention"), Item("2411.00002", "Graph networks")]

    def daily(arxiv: FakeArxiv) -> list[str]:
        env = child_env(ARXIV_RSS_BASE_URL=arxiv.base, **run_step["env"])
        result = arxiv_bot(*run_step["run"].split()[1:], cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
        subprocess.run(["bash", "-ec", commit_step], cwd=repo, check=True, capture_output=True, text=True)
        return git("ls-tree", "-r", "--name-only", "main", cwd=remote).split()

    with FakeArxiv(feeds={"cs.AI": feed("cs.AI", items)}) as arxiv:
        first = daily(arxiv)
        assert git("rev-list", "--count", "main", cwd=remote).strip() == "1"
        again = daily(arxiv)  # arXiv has not announced since: nothing changed, nothing committed
        assert git("rev-list", "--count", "main", cwd=remote).strip() == "1" and again == first
        del config["profiles"]
        (repo / "config.json").write_text(json.dumps(config))
        git("add", "config.json", cwd=repo)
        dropped = daily(arxiv)
    for folder in ("", "profiles/graphs/"):
        assert {f"{folder}README.md", f"{folder}feed.xml", f"{folder}feed.rss", f"{folder}feed.atom",
                f"{folder}feed.json", f"{folder}feeds/cs.AI.xml", f"{folder}feeds/cs.AI.rss"} <= set(first)
    assert not any("arxiv-bot.db" in name for name in first + dropped)
    assert not any(name.startswith("profiles/") for name in dropped) and "README.md" in dropped
    assert git("status", "--porcelain", "--untracked-files=all", cwd=repo).split() == ["??", "arxiv-bot.db"]


def test_the_store_goes_from_run_to_run_in_the_actions_cache() -> None:
    names = [step.get("uses", "") or step.get("run", "") for step in steps()]
    (run_step,) = [s for s in steps() if "arxiv-bot run --once" in s.get("run", "")]
    store = run_step["env"]["DATABASE_URL"].removeprefix("sqlite:///")
    restore = next(i for i, name in enumerate(names) if name.startswith("actions/cache/restore@"))
    save = next(i for i, name in enumerate(names) if name.startswith("actions/cache/save@"))
    run = steps().index(run_step)
    assert restore < run < save
    restored, saved = steps()[restore]["with"], steps()[save]["with"]
    assert restored["path"] == saved["path"] == store
    # Entries never change: a key per run, and the newest restored by the prefix.
    assert restored["key"] == saved["key"] == "arxiv-bot-store-${{ github.run_id }}"
    assert restored["restore-keys"] == "arxiv-bot-store-"
    assert steps()[save]["if"] == "always()"  # a failed run's summaries are paid for too
