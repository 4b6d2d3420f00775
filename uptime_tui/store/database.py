"""Open the database named by a URL: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import peewee
from playhouse import db_url

from uptime_tui.store.models import database_proxy

# WAL lets the console read while the engine writes; NORMAL is durable across a process crash
# (kill -9) in WAL mode, losing at most the last commits on an OS crash; the busy timeout turns
# lock contention between the writer thread and readers into a short wait, not an error.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("uptime-tui", appauthor=False)) / "uptime.db")


def resolve_database_url(cli_value: str | None, configured: str | None, env=os.environ) -> str:
    """--db, then $UPTIME_TUI_DB, then the config's settings.database, then the default."""
    return cli_value or env.get("UPTIME_TUI_DB") or configured or default_database_url()


def open_database(url: str, migrate: bool = True) -> peewee.Database:
    """Connect to `url` (a plain path means SQLite), bind the models, apply pending migrations."""
    if "://" not in url:
        path = Path(url).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        database = peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    elif url.startswith("sqlite"):
        database = db_url.connect(url, pragmas=SQLITE_PRAGMAS)
    elif url.split("://", 1)[0] in ("postgres", "postgresql"):
        database = db_url.connect(url)
    else:
        raise ValueError(f"unsupported database URL scheme in {url.split('://', 1)[0]}:// (use sqlite or postgresql)")
    database_proxy.initialize(database)
    database.connect(reuse_if_open=True)
    if migrate:
        from uptime_tui.store.migrations import migrate as apply_migrations

        apply_migrations(database)
    return database


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:****@{host}" if ":" in credentials else url
