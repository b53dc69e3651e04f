"""A config.json nobody should write (nested past the parser's recursion limit, a number past Python's digit
limit) is a clear error naming the file, for the loader and for POST /api/v1/runs (503), and starts nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from shared.config import ConfigError, load_config
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
