"""mysql monitors (MySQL and MariaDB): connect with aiomysql, run `query` (default `SELECT 1`), close.

The connect time is the time to first byte. The facts are `connected`, then `result` (the first
column of the first row, as text; None for NULL) and `rows` (how many rows the query returned, or
affected). The query runs in autocommit, so a monitor never holds a transaction open.

aiomysql is given the URL's parts, not the URL, so the URL takes no `?options`. It is imported
where a check needs it, not above: config loading reads the spec here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.database_url import DatabaseSpec, DatabaseUrl, failing, reader
from uptime_tui.checks.monitor_type import MonitorType

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.checks.observation import Observation
    from uptime_tui.config.model import Monitor

CANNOT_CONNECT = (2002, 2003)  # CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR: the OS error is the cause
ACCESS_DENIED = 1045  # ER_ACCESS_DENIED_ERROR


@dataclass(frozen=True)
class MysqlSpec(DatabaseSpec):
    """A MySQL or MariaDB URL and the query run on it."""

    query: str | None = "SELECT 1"

    SCHEMES = ("mysql",)
    DEFAULT_PORT = 3306
    SHORT_NAME = "mysql"
    PAYLOAD_TYPE = "mysql"
    OPTIONS = False


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Connect, run the query, record what it returned."""
    import aiomysql

    spec: MysqlSpec = monitor.spec
    where = spec.where
    with failing(seen, where, monitor.timeout, _cause):
        started = time.perf_counter()
        connection = await aiomysql.connect(
            host=where.host, port=where.port, user=where.user, password=where.password or "",
            db=where.database, connect_timeout=monitor.timeout, autocommit=True)
        seen.ttfb_ms = (time.perf_counter() - started) * 1000
        seen.facts["connected"] = True
        try:
            async with connection.cursor() as cursor:
                count = await cursor.execute(spec.query)  # the buffered cursor reads the whole result
                if cursor.description:
                    first = await cursor.fetchone()
                    if first is not None:
                        seen.facts["result"] = None if first[0] is None else _text(first[0])
                seen.facts["rows"] = max(count or 0, 0)
        finally:
            connection.close()  # no goodbye to wait for: the check is done
        seen.passed()


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def _cause(exc: Exception, where: DatabaseUrl, connected: bool) -> str | None:
    """`connection refused` (from the OS error inside), `authentication failed for user "x"`,
    `query failed: Table 'test.nope' doesn't exist`."""
    import pymysql

    if not isinstance(exc, pymysql.MySQLError):
        return None
    code, message = (exc.args + (None, None))[:2] if exc.args else (None, None)
    message = str(message if message is not None else exc)
    if connected:
        return f"query failed: {message}"
    if code in CANNOT_CONNECT and exc.__cause__ is not None:
        return None  # describe_error names the OS error it carries: refused, DNS, timeout
    if code == ACCESS_DENIED:
        user = where.user or message.partition("user '")[2].partition("'")[0]  # no user: the OS login's
        return f'authentication failed for user "{user}"'
    return message


MYSQL = MonitorType("mysql", ("url", "query"), reader(MysqlSpec, "mysql"), probe,
                    facts=("connected", "result", "rows"), requires=(("aiomysql", "mysql"),))
