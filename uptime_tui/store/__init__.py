"""Persistence: peewee models, the database opened from a URL, numbered migrations, YAML sync."""

from uptime_tui.store.database import default_database_url, open_database, resolve_database_url

__all__ = ["default_database_url", "open_database", "resolve_database_url"]
