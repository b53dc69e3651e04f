"""A new SQLite store is made from the snapshot, and the snapshot is exactly what the migrations build."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shared.db import HEAD, at_head, migrate, migrate_with_alembic
from shared.snapshot import SNAPSHOT, create_from_snapshot, dump, sqlite_file

_CONSTRAINT = re.compile(r"\t(?:PRIMARY KEY|FOREIGN KEY|CONSTRAINT|UNIQUE|CHECK)\b")


def normal(script: str) -> list[str]:
    """The dump with each table's constraint lines in a fixed order: Alembic's batch mode, which rebuilds a table
    SQLite cannot alter, writes its foreign keys in an order that varies from run to run (the columns' order,
    which matters, is kept)."""
    lines, block = [], []
    for line in script.splitlines():
        line = line.rstrip().removesuffix(",")
        if _CONSTRAINT.match(line):
            block.append(line)
            continue
        lines += sorted(block)
        block = []
        lines.append(line)
    return lines + sorted(block)


async def test_the_snapshot_is_what_alembic_builds(tmp_path: Path) -> None:
    path = tmp_path / "alembic.db"
    await migrate_with_alembic(f"sqlite:///{path}")
    built = dump(path)
    assert f"INSERT INTO \"alembic_version\" VALUES('{HEAD}');" in built
    assert normal(built) == normal(SNAPSHOT.read_text(encoding="utf-8")), "run `python -m shared.snapshot`"


async def test_a_new_store_from_the_snapshot_is_at_head_and_equal_to_a_migrated_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    await migrate(url)
    assert await at_head(url)
    assert normal(dump(tmp_path / "new.db")) == normal(SNAPSHOT.read_text(encoding="utf-8"))
    assert not create_from_snapshot(url)  # a store with tables is never built over


def test_two_processes_making_the_same_store_at_once_make_it_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'raced.db'}"
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(create_from_snapshot, [url] * 4))
    assert made.count(True) == 1
    assert normal(dump(tmp_path / "raced.db")) == normal(SNAPSHOT.read_text(encoding="utf-8"))


def test_only_a_sqlite_file_is_made_from_the_snapshot(tmp_path: Path) -> None:
    assert sqlite_file("sqlite:///arxiv-bot.db") == Path("arxiv-bot.db")
    assert sqlite_file(f"sqlite+aiosqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    for url in ("postgresql://postgres@127.0.0.1/x", "sqlite://", "sqlite:///:memory:",
                f"sqlite:///{tmp_path}/a.db?mode=ro", "not a url"):
        assert sqlite_file(url) is None, url
    # A folder that does not exist is made, as run --once makes its output folder.
    assert create_from_snapshot(f"sqlite:///{tmp_path}/data/daily/a.db")
    assert normal(dump(tmp_path / "data/daily/a.db")) == normal(SNAPSHOT.read_text(encoding="utf-8"))
