"""What every query mixin shares: the session, and INSERT ... ON CONFLICT in the session's own dialect."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

BATCH = 500  # rows per statement: far below PostgreSQL's 32,767 and SQLite's 32,766 bind parameters


class Queries:
    session: AsyncSession

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]

    def upsert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT: both dialects spell it the same way in SQLAlchemy."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)


def chunks(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[start:start + size] for start in range(0, len(rows), size)]
