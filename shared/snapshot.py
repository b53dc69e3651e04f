"""A new SQLite store made at once from a snapshot of what the migrations build, not by running them.

Running Alembic on a new file (importing it with Mako, then ten migrations, several of which rebuild a table
because SQLite cannot alter one) took about a quarter of a second, a tenth of a first `run --once` on a big day.
`migrations/sqlite_head.sql` is the SQL dump of a file that Alembic migrated to HEAD, its tables and its rows.
tests/shared/test_snapshot.py migrates a file with Alembic and fails when the dump differs from the snapshot;
after adding a migration, `python -m shared.snapshot` writes it again. A store that holds any table (an earlier
release's included) is migrated by Alembic as before, and PostgreSQL always is.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SNAPSHOT = Path(__file__).parent / "migrations" / "sqlite_head.sql"


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///` URL; None for PostgreSQL, an in-memory store or a URL with options."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.query or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def dump(path: Path) -> str:
    """Every table with its rows, then every index, of a SQLite file as SQL statements, each kind by name (sqlite3's
    iterdump lists indexes in the order they were made, which Alembic's table rebuilds vary)."""
    conn = sqlite3.connect(path)
    try:
        lines = []
        for (table, sql) in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            lines.append(f"{sql};")
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            values = " || ',' || ".join(f'quote("{column}")' for column in columns)
            query = f"""SELECT 'INSERT INTO "{table}" VALUES(' || {values} || ');' FROM "{table}" ORDER BY rowid"""
            lines += [row[0] for row in conn.execute(query)]
        lines += [f"{sql};" for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                                       "AND sql IS NOT NULL ORDER BY name")]
        return "\n".join(lines) + "\n"
    finally:
        conn.close()


def create_from_snapshot(url: str) -> bool:
    """Build a new SQLite store from the snapshot, its folder too; False when `url` is not a SQLite file or the
    file holds a table already (then Alembic decides what to do). Two processes creating the same store at
    once: the write lock is taken before the file is looked at, so the second finds the first one's tables."""
    path = sqlite_file(url)
    if path is None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)  # as `--out` is made: `sqlite:///data/arxiv-bot.db` just works
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            conn.execute("ROLLBACK")
            return False
        # executescript would commit first: the statements run one by one inside the transaction instead.
        for statement in _statements(SNAPSHOT.read_text(encoding="utf-8")):
            conn.execute(statement)
        conn.execute("COMMIT")
        return True
    finally:
        conn.close()


def _statements(script: str) -> list[str]:
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current)
            current = ""
    return statements


def main() -> None:
    """Write the snapshot: migrate a new file with Alembic and dump it."""
    import asyncio
    import tempfile

    from shared.db import migrate_with_alembic

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "head.db"
        asyncio.run(migrate_with_alembic(f"sqlite:///{path}"))
        SNAPSHOT.write_text(dump(path), encoding="utf-8")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
