"""What a failed command tells its user: one line and an exit status, never a traceback, for what is not a bug
(wrong settings or config, a store or broker that does not answer or refuses us). A bug keeps its traceback."""
from __future__ import annotations

import sys

from pydantic import ValidationError

from shared.config import ConfigError

CONFIG, UNAVAILABLE = 2, 1  # exit statuses: fix the settings or config; try again once the dependency is back


def environment_error(exc: ValidationError) -> str:
    """The settings from the environment (or .env) that are wrong, named as they are written there. Their values
    are not repeated: a URL may carry a password."""
    problems = []
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper() or "settings"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(message if message.startswith(name) else f"{name}: {message}")
    return "; ".join(problems)


def _broker_error(exc: Exception) -> str:
    if type(exc).__name__ == "InvalidFrameError" and "Connection.Close" in str(exc):
        # RabbitMQ closes the connection while opening it (aiormq keeps no reason): a virtual host that does not
        # exist, or that the user may not use, is what does that.
        return ("it closed the connection while opening it: does the virtual host in AMQP_URL's path exist, and "
                "may this user use it?")
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def explain(exc: Exception) -> tuple[str, int] | None:
    """(the line to print, the exit status) for a failure that is not a bug; None for one that is."""
    if isinstance(exc, ConfigError):
        return str(exc), CONFIG
    if isinstance(exc, OSError):  # a database or broker that does not answer (ConnectionError is one)
        # A StartupFailed names the dependency and the wait itself. Only a process that loaded shared.service can
        # have one: another (`run --once` on a full disk) need not import it to say so.
        service = sys.modules.get("shared.service")
        told = service is not None and isinstance(exc, service.StartupFailed)
        return f"{'' if told else type(exc).__name__ + ': '}{exc}", UNAVAILABLE
    if type(exc).__module__.startswith(("aiormq", "aio_pika")):  # the broker refused us, not a bug of ours
        return f"the broker at AMQP_URL: {_broker_error(exc)}", UNAVAILABLE
    import sqlite3

    from sqlalchemy.exc import DatabaseError, OperationalError  # here only: --help need not import SQLAlchemy

    # Exactly these: their subclasses (IntegrityError, ProgrammingError...) are bugs, whose traceback is what to
    # report. A plain DatabaseError is the file itself ("file is not a database").
    if type(exc) not in (OperationalError, DatabaseError, sqlite3.OperationalError, sqlite3.DatabaseError):
        return None
    # The store itself failed (full, unreadable, locked too long): nothing committed is lost, and the next run
    # takes over a fetch this one left unfinished. (A new SQLite store is made by sqlite3 directly.)
    reason = exc.orig if isinstance(exc, DatabaseError) else exc
    return f"the store at DATABASE_URL failed: {str(reason).splitlines()[0][:200]}", UNAVAILABLE
