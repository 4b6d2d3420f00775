"""Field types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import peewee


class UtcDateTimeField(peewee.DateTimeField):
    """Aware UTC datetimes in Python, naive UTC in the database (both engines sort it right)."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class JsonField(peewee.TextField):
    """A JSON document stored as text (portable; nothing here needs JSON operators)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)
