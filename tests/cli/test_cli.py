"""`arxiv-bot` refuses what it cannot do with one clear line, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import arxiv_bot, child_env


@pytest.mark.parametrize("args", [["serve", "scorer"], ["fetch"], ["migrate"]])
def test_service_commands_need_a_database_url(tmp_path: Path, args: list[str]) -> None:
    result = arxiv_bot(*args, cwd=tmp_path, env=child_env())
    assert result.returncode == 2
    assert "DATABASE_URL is not set" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_broker_is_waited_for_then_one_error_line(tmp_path: Path, pg_url: str) -> None:
    env = child_env(DATABASE_URL=pg_url, AMQP_URL="amqp://guest:guest@127.0.0.1:1/", STARTUP_WAIT_SECONDS="3.5")
    result = arxiv_bot("fetch", cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "error: RabbitMQ at AMQP_URL is still not reachable after 3.5 s (STARTUP_WAIT_SECONDS): [Errno 111]")
    # Tried at once, after 1 s, after 2 more (the next pause, 4 s, would pass 3.5): two lines say it waits.
    waits = [line for line in result.stderr.splitlines()
             if "RabbitMQ at AMQP_URL is not reachable yet ([Errno 111]" in line]
    assert len(waits) == 2 and "trying again in 1 s" in waits[0] and "trying again in 2 s" in waits[1]
    assert " ERROR " not in result.stderr  # aiormq's own line for each refused attempt is left out


@pytest.mark.parametrize("service", ["scorer", "publisher"])
def test_a_service_whose_broker_stays_unreachable_ends_with_one_line_not_a_traceback(
        tmp_path: Path, pg_url: str, service: str) -> None:
    env = child_env(DATABASE_URL=pg_url, AMQP_URL="amqp://guest:guest@127.0.0.1:1/", STARTUP_WAIT_SECONDS="1.5",
                    API_TOKEN="t")
    result = arxiv_bot("serve", service, "--port", "0", cwd=tmp_path, env=env, timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    told = [line for line in result.stderr.splitlines() if "did not start" in line]
    assert len(told) == 1 and told[0].endswith(
        f"{service} did not start: RabbitMQ at AMQP_URL is still not reachable after 1.5 s (STARTUP_WAIT_SECONDS): "
        "[Errno 111] Connection refused"), result.stderr


def test_a_virtual_host_the_broker_does_not_have_is_one_error_line(tmp_path: Path, pg_url: str, amqp_url: str) -> None:
    wrong = amqp_url.rstrip("/") + "/no-such-vhost"
    result = arxiv_bot("fetch", cwd=tmp_path, env=child_env(DATABASE_URL=pg_url, AMQP_URL=wrong), timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the broker at AMQP_URL: it closed the connection while opening it: does the virtual host in "
        "AMQP_URL's path exist, and may this user use it?")


def test_a_missing_named_config_and_an_unknown_service_are_refused(tmp_path: Path) -> None:
    missing = arxiv_bot("run", "--once", "--config", "nope.json", cwd=tmp_path, env=child_env())
    assert missing.returncode == 2 and "nope.json: no such config file" in missing.stderr
    unknown = arxiv_bot("serve", "mailer", cwd=tmp_path, env=child_env())
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_migrate_brings_a_fresh_database_to_the_latest_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = arxiv_bot("migrate", cwd=tmp_path, env=child_env(DATABASE_URL=url))
    assert result.returncode == 0 and "latest revision" in result.stdout
    assert (tmp_path / "fresh.db").stat().st_size > 0


@pytest.mark.parametrize("args", [["fetch"], ["serve", "scorer"], ["run", "--once"]])
def test_wrong_settings_are_one_error_line_naming_each_and_repeating_no_value(tmp_path: Path, args: list[str]) -> None:
    env = child_env(DATABASE_URL="mysql://reader:s3cret@db.example/arxiv", PREFETCH="0", RETRY_DELAYS_SECONDS="5,soon")
    result = arxiv_bot(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith("error: DATABASE_URL must be a PostgreSQL URL")
    assert "PREFETCH: " in line and "RETRY_DELAYS_SECONDS must be comma-separated seconds" in line
    assert "s3cret" not in line


def test_an_output_folder_that_cannot_be_one_is_refused_before_anything_is_fetched(tmp_path: Path) -> None:
    (tmp_path / "digest").write_text("a file")
    result = arxiv_bot("run", "--once", "--out", "digest", cwd=tmp_path, env=child_env())
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("error: --out digest: is a file, not a folder")
    assert not (tmp_path / "arxiv-bot.db").exists()  # no store made, no feed asked for


def test_a_wrong_fetch_schedule_stops_the_fetcher_with_one_line_naming_it(tmp_path: Path) -> None:
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", FETCH_SCHEDULE="61 * * * *")
    result = arxiv_bot("serve", "fetcher", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("error: FETCH_SCHEDULE '61 * * * *': minute field: 61 is outside 0-59")


def test_a_store_never_migrated_is_one_line_saying_to_migrate(tmp_path: Path, amqp_url: str, amqp_prefix: str) -> None:
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}", AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix)
    for command in (["fetch"], ["serve", "publisher"], ["serve", "scorer"]):
        result = arxiv_bot(*command, cwd=tmp_path, env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, command
        errors = [line for line in result.stderr.splitlines() if " INFO " not in line]
        assert errors == ["error: the store at DATABASE_URL has no tables yet: run `arxiv-bot migrate` first (no such "
                          "table: outbox)"], command


def test_a_store_that_is_not_a_database_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("my notes, not a database")
    result = arxiv_bot("run", "--once", cwd=tmp_path, env=child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'notes.db'}"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "error: the store at DATABASE_URL failed: file is not a database"
    assert (tmp_path / "notes.db").read_text() == "my notes, not a database"
