"""What counts as a database outage, and what the writer reports of one.

A write that fails because the database cannot be reached or written now (a killed or restarted
PostgreSQL connection, SQLite's disk full or its file locked by another process) is retried; a
write that is itself wrong is not, or it would hold every later write forever.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import peewee

RESULT_BUFFER = 100_000  # check results kept while the database is unreachable (~25 MB)

# SQLite reports a bug in our SQL with the same exception class as a locked or full database:
# those messages are not an outage, and retrying them would hold every later write forever.
_SQL_MISTAKES = ("no such ", "syntax error", "has no column", "already exists")


class DatabaseUnreachable(RuntimeError):
    """A write that was given up on because the database stayed unreachable (only at stop)."""


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached or written now (retrying may succeed),
    rather than that the write itself is wrong."""
    outage_types = (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError,
                    sqlite3.InterfaceError)
    try:
        import psycopg2

        outage_types += (psycopg2.OperationalError, psycopg2.InterfaceError)
    except ImportError:  # pragma: no cover - SQLite only
        pass
    if not isinstance(exc, outage_types):
        return False
    message = str(exc).lower()
    return not any(mistake in message for mistake in _SQL_MISTAKES)


@dataclass(frozen=True)
class DatabaseHealth:
    """What the writer knows of the database, for the console header and the health endpoint."""

    reachable: bool
    unreachable_since: datetime | None
    last_error: str | None
    results_waiting: int  # buffered while unreachable
    results_dropped: int  # lost to the buffer's bound since start
    changes_waiting: int  # incident and state jobs not yet written
    buffer_size: int = RESULT_BUFFER
