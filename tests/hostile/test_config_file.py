"""A config.json nobody should write (nested past the parser's recursion limit, a number past Python's digit
limit) is a clear error naming the file, for the loader and for POST /api/v1/runs (503), and starts nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from shared.config import MAX_CONFIG_BYTES, ConfigError, load_config
from shared.models import FetchRun
from shared.runtime import Env
from tests.publisher.api.conftest import AUTH, Client

BROKEN = {"deep": "[" * 100_000 + "]" * 100_000, "huge-number": '{"max_papers": 1' + "0" * 5_000 + "}",
          "not-utf8": b"\xff\xfe{}"}


def write(folder: Path, name: str) -> Path:
    path = folder / "config.json"
    content = BROKEN[name]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_config_json_is_a_config_error_naming_the_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name)
    with pytest.raises(ConfigError, match=f"{path}: not valid JSON"):
        load_config(path)


async def test_post_runs_with_a_broken_config_json_is_a_503_and_starts_nothing(publisher: Client, pg_env: Env,
                                                                              tmp_path: Path) -> None:
    path = write(tmp_path, "deep")
    async with publisher(arxiv_bot_config=str(path)) as api:
        response = await api.post("/api/v1/runs", headers=AUTH)
    assert response.status_code == 503 and "not valid JSON" in response.json()["detail"]
    async with pg_env.sessions() as session:
        assert list(await session.exec(select(FetchRun))) == []


def test_a_byte_order_mark_is_not_part_of_the_json(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'\xef\xbb\xbf{"categories": ["cs.AI"]}')  # what Windows editors save as "UTF-8"
    assert load_config(path).categories == ["cs.AI"]


def test_a_file_too_large_to_be_a_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    with path.open("wb") as file:  # sparse: 64 MiB and a byte, written in no time
        file.truncate(MAX_CONFIG_BYTES + 1)
    with pytest.raises(ConfigError, match=f"{path}: larger than 67,108,864 bytes: is this the right file"):
        load_config(path)
