"""Engines and sessions for PostgreSQL (asyncpg) and the embedded SQLite (aiosqlite), and migrations."""
from __future__ import annotations

import asyncio
import errno
from pathlib import Path

from typing import TYPE_CHECKING

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.config import ConfigError
from shared.snapshot import create_from_snapshot

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Accept the URLs people write (postgresql://, postgres://, sqlite:///) and pick the async driver."""
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"), ("postgres://", "postgresql+asyncpg://"),
                          ("sqlite://", "sqlite+aiosqlite://")):
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


def make_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(conn, _record):  # noqa: ANN001
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True)


# What asyncpg raises while the server restarts or is gone, whatever SQLAlchemy wraps it in.
_OUTAGE_NAMES = {"CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError",
                 "ConnectionRejectionError", "AdminShutdownError", "CrashShutdownError"}
_OUTAGE_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH, errno.ENETUNREACH,
                  errno.EPIPE}


def store_unmigrated(error: BaseException) -> bool:
    """True when `error` says a table is missing: a store that was never migrated."""
    if not isinstance(error, exc.DBAPIError):
        return False
    original = getattr(error.orig, "__cause__", None) or error.orig
    return type(original).__name__ == "UndefinedTableError" or str(error.orig).startswith("no such table")


def store_unreachable(error: BaseException) -> bool:
    """True when `error` says the database could not be reached (down, restarting, connection lost), not that
    the statement was wrong: what to wait out, as opposed to what would fail the same way again."""
    if isinstance(error, TimeoutError):
        return False  # a handler's own timeout (an OSError since Python 3.11): the handler's fault, counted
    if isinstance(error, (ConnectionError, exc.OperationalError, exc.InterfaceError)):
        return True
    if isinstance(error, OSError) and error.errno in _OUTAGE_ERRNOS:
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original = getattr(error.orig, "__cause__", None) or error.orig
        return any(type(e).__name__ in _OUTAGE_NAMES for e in (error.orig, original) if e is not None)
    return False


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def alembic_config(url: str) -> Config:
    # Alembic (with Mako and Pygments, most of a second) is imported only by what migrates, not by every process.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = async_url(url)
    return cfg


# The newest migration. `migrate` compares it with the store's own and imports Alembic (with Mako, about 0.1 s
# of a daily `run --once` of 1.5 s) and runs its environment only when there is something to apply.
# tests/shared/test_migrations.py fails when a migration is added without moving it.
HEAD = "0011"


async def at_head(url: str) -> bool:
    """Whether the store is migrated to HEAD already; False for a new store (no alembic_version table)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except exc.SQLAlchemyError:
        return False  # Alembic says what is wrong, if anything is
    finally:
        await engine.dispose()
    return list(versions) == [HEAD]


async def migrate(url: str, revision: str = "head") -> None:
    """Bring the store to `revision`: a new SQLite file from the snapshot (shared/snapshot.py), a store at HEAD
    left alone, anything else by Alembic."""
    if revision == "head":
        if await asyncio.to_thread(create_from_snapshot, url) or await at_head(url):
            return
    await migrate_with_alembic(url, revision)


async def migrate_with_alembic(url: str, revision: str = "head") -> None:
    """Alembic's API is synchronous and its env.py runs its own event loop, so it gets a thread."""
    from alembic import command
    from alembic.util import CommandError

    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
    except CommandError as exc:  # most often a store that a newer release migrated past what this one knows
        raise ConfigError(f"the store at DATABASE_URL cannot be migrated to {revision}: {exc} (a store written by "
                          "a newer release of arxiv-bot? upgrade it, or use another store)") from None
