"""What every query mixin shares: the session, and INSERT ... ON CONFLICT in the session's own dialect."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

BATCH = 500  # rows per statement: far below PostgreSQL's 32,767 and SQLite's 32,766 bind parameters
# Rows per executemany call (SQLite): one statement compiled once, its parameters sent in one call of the
# driver. Bounded so that a huge day's bound parameters are converted a slice at a time.
MANY = 5000


class Queries:
    session: AsyncSession

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]

    def upsert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT: both dialects spell it the same way in SQLAlchemy."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    async def _connection(self) -> Any:
        await self.session.flush()  # the Core connection does not autoflush: rows added to the session go first
        return await self.session.connection()

    async def _copy(self, connection: Any, target: Table, source: Table, rows: list[dict[str, Any]]) -> None:
        """COPY rows into a PostgreSQL table, in this transaction, each value converted as its column's type
        converts it for a statement (JSON serialised, timestamps checked for a zone and put in UTC)."""
        dialect = connection.dialect
        columns = [(c.name, c.type.bind_processor(dialect)) for c in source.columns if c.name in rows[0]]
        records = [tuple(value if convert is None or value is None else convert(value)
                         for name, convert in columns for value in (row[name],)) for row in rows]
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(target.name, records=records, columns=[name for name, _ in columns])

    async def _staged(self, connection: Any, table: Table, names: list[str], rows: list[dict[str, Any]]) -> Table:
        """PostgreSQL: the rows COPYed into a temporary table shaped like `table` (columns `names`), dropped at
        commit, for one INSERT ... SELECT ... ON CONFLICT: no statement of thousands of bound parameters for
        SQLAlchemy to compile. The caller drops it (DROP TABLE) if it may stage again in this transaction."""
        staged = _staging_table(table, names)
        name = staged.name
        await connection.execute(text(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT "
                                      f"{', '.join(names)} FROM {table.name} WITH NO DATA"))
        await self._copy(connection, staged, table, rows)
        return staged


# One Table object per (table, columns), reused: with a new one per batch, every batch's INSERT ... SELECT was a
# new statement for SQLAlchemy, compiled again and kept in its statement cache for as long as the process.
_STAGING: dict[tuple[str, tuple[str, ...]], Table] = {}


def _staging_table(table: Table, names: list[str]) -> Table:
    key = (table.name, tuple(names))
    if key not in _STAGING:
        _STAGING[key] = Table(f"{table.name}_incoming", MetaData(),
                              *(Column(c.name, c.type) for c in table.columns if c.name in names))
    return _STAGING[key]


def chunks(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[start:start + size] for start in range(0, len(rows), size)]
