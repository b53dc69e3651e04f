"""The GitHub Actions example runs the pipeline the reference bot's way and keeps what it paid for."""
from __future__ import annotations

import yaml

from tests.ops.tooling import ROOT

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


def test_the_digest_and_the_feeds_are_committed_only_when_changed_and_the_store_never() -> None:
    commit = steps()[-1]["run"]
    assert "git diff --cached --quiet" in commit and "git commit" in commit and "git push" in commit
    added = next(line for line in commit.splitlines() if line.strip().startswith("git add")).split()[2:]
    assert {"README.md", "feed.xml", "feeds"} <= set(added)
    assert not any(name.endswith(".db") for name in added)  # GitHub refuses files over 100 MB; a store gets there
    assert workflow()["permissions"]["contents"] == "write"


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
