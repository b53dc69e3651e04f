"""Logs: readable text by default, one JSON object a line with LOG_FORMAT=json, carrying the work's ids."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from shared.logging import configure, current_context, log_context
from shared.settings import Settings


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_json_is_one_object_a_line_with_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", service="summarizer", fmt="json")
    log = logging.getLogger("services.summarizer.worker")
    with log_context(message_id="m1", routing_key="run.scored", run_id="r1"):
        log.info("summary of %s\nwith a line break", "2411.00001", extra={"paper_id": "2411.00001"})
    log.warning("outside")
    first, second = (json.loads(line) for line in lines(capsys))
    assert first["level"] == "INFO" and first["service"] == "summarizer"
    assert first["logger"] == "services.summarizer.worker"
    assert first["message"] == "summary of 2411.00001\nwith a line break"
    assert (first["message_id"], first["routing_key"], first["run_id"], first["paper_id"]) == \
        ("m1", "run.scored", "r1", "2411.00001")
    assert first["time"].endswith("+00:00")
    assert "run_id" not in second and second["message"] == "outside"


def test_an_exception_stays_inside_its_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", service="scorer", fmt="json")
    try:
        raise ValueError("bad body")
    except ValueError:
        logging.getLogger("x").exception("handler failed")
    (line,) = lines(capsys)
    entry = json.loads(line)
    assert entry["message"] == "handler failed" and "ValueError: bad body" in entry["exception"]


def test_contexts_nest_and_are_undone_and_reach_the_tasks_started_inside() -> None:
    async def inner() -> dict:
        with log_context(paper_id="p1"):
            return current_context()

    async def scenario() -> tuple[dict, dict]:
        with log_context(run_id="r1", message_id=None):
            seen = await asyncio.create_task(inner())
            after = current_context()
        return seen, after

    seen, after = asyncio.run(scenario())
    assert seen == {"run_id": "r1", "paper_id": "p1"}  # None is left out, not written as null
    assert after == {"run_id": "r1"}
    assert current_context() == {}


def test_text_stays_the_default_and_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert Settings(_env_file=None).log_format == "text"
    configure("INFO", service="arxiv-bot run")
    with log_context(run_id="r1"):
        logging.getLogger("arxiv_bot").info("run r1: ok")
    (line,) = lines(capsys)
    assert line.endswith("INFO arxiv-bot run arxiv_bot: run r1: ok")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure("INFO", fmt="yaml")
    with pytest.raises(ValueError):
        Settings(_env_file=None, log_format="yaml")
