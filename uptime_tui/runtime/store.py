"""Opening the database a config names, for every command: the faces never import the store."""

from __future__ import annotations

import peewee

from uptime_tui.store import open_database, resolve_database_url
from uptime_tui.store.database import describe
from uptime_tui.store.migrations import DatabaseTooNew


class StoreUnavailable(Exception):
    """The database cannot be opened or migrated; the message says which one and why."""


def open_store(db_option: str | None, configured: str | None) -> peewee.Database:
    """Open (and migrate) the database of `--db`, else of `settings.database`, else the default
    SQLite file; raise StoreUnavailable with a one-line reason."""
    url = resolve_database_url(db_option, configured)
    try:
        return open_database(url)
    except (peewee.PeeweeException, DatabaseTooNew, ValueError, OSError) as exc:
        raise StoreUnavailable(f"cannot open the database {describe(url)}: {exc}") from exc
