"""postgres monitors: connect with psycopg 3 (async), run `query` (default `SELECT 1`), close.

The connect time is the time to first byte. The facts are `connected`, then `result` (the first
column of the first row, as text; None for NULL) and `rows` (how many rows the query returned, or
affected). The query runs in autocommit, so a monitor never holds a transaction open.

psycopg is imported where a check needs it, not above: config loading reads the spec here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.database_url import DatabaseSpec, DatabaseUrl, failing, reader
from uptime_tui.checks.monitor_type import MonitorType

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.checks.observation import Observation
    from uptime_tui.config.model import Monitor


@dataclass(frozen=True)
class PostgresSpec(DatabaseSpec):
    """A PostgreSQL URL and the query run on it."""

    query: str | None = "SELECT 1"

    SCHEMES = ("postgresql", "postgres")
    DEFAULT_PORT = 5432
    SHORT_NAME = "pg"
    PAYLOAD_TYPE = "postgresql"


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Connect, run the query, record what it returned."""
    import psycopg

    spec: PostgresSpec = monitor.spec
    where = spec.where
    with failing(seen, where, monitor.timeout, _cause):
        started = time.perf_counter()
        # libpq's own limit (whole seconds, at least 2) backs up the check's timeout, which cuts
        # the connect short first.
        connection = await psycopg.AsyncConnection.connect(
            spec.url, connect_timeout=max(2, math.ceil(monitor.timeout)), autocommit=True)
        seen.ttfb_ms = (time.perf_counter() - started) * 1000
        seen.facts["connected"] = True
        try:
            cursor = await connection.execute(spec.query)
            if cursor.description:  # it returned rows: the whole result is in, its first row read
                first = await cursor.fetchone()
                if first is not None:
                    seen.facts["result"] = None if first[0] is None else str(first[0])
            seen.facts["rows"] = max(cursor.rowcount, 0)
        finally:
            await connection.close()
        seen.passed()


def _cause(exc: Exception, where: DatabaseUrl, connected: bool) -> str | None:
    """`connection refused`, `authentication failed for user "x"`, `query failed: relation "nope"
    does not exist`: libpq's message without its prefixes."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return None
    if connected:
        primary = exc.diag.message_primary if exc.diag else None
        return f"query failed: {primary or _first_line(str(exc))}"
    # 'connection failed: connection to server at "h", port 5432 failed: FATAL:  <reason>'
    reason = _first_line(str(exc)).rpartition(" failed: ")[2].removeprefix("FATAL:").strip()
    if reason.lower() == "connection refused":
        return "connection refused"
    if reason.startswith("password authentication failed"):
        return reason.removeprefix("password ")
    if reason.startswith("failed to resolve host"):
        return "DNS: no such name" if "not known" in reason else f"DNS: {reason}"
    return reason or None


def _first_line(message: str) -> str:
    return message.strip().partition("\n")[0].strip()


POSTGRES = MonitorType("postgres", ("url", "query"), reader(PostgresSpec, "postgres"), probe,
                       facts=("connected", "result", "rows"), requires=(("psycopg", "postgres"),))
