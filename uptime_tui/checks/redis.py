"""redis monitors: connect with redis.asyncio, send `query` (default `PING`), close.

`query` is a command line split as a shell would (`GET health`, `HGET "a key" field`). The reply
is recorded raw, as the server sent it, not as redis-py's per-command callbacks would reshape it
(PING's True, SET's bool): `result` is the reply decoded as text (a list's first item; None for a
nil reply), `rows` is 1, a list's length, or 0 for nil (a GET of a missing key).

A check fails at the first refused connection: redis-py's default retries with backoff would
outlast the check's timeout and hide the cause. redis is imported where a check needs it, not
above: config loading reads the spec here.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from uptime_tui.checks.database_url import DatabaseSpec, DatabaseUrl, database_url, failing, parse_database_url, reader
from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.config.values import described, like, shown, text

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.checks.observation import Observation
    from uptime_tui.config.model import Monitor


@described(like(text) | {"description": "A redis command line, such as PING or GET health"})
def command_line(value: Any) -> str:
    """A command and its arguments, split as a shell would split them."""
    line = text(value)
    try:
        words = shlex.split(line)
    except ValueError as exc:  # "No closing quotation"
        raise ValueError(f"cannot split the command: {str(exc).lower()}") from None
    if not words:
        raise ValueError("must name a command, such as PING or GET health")
    return line


@dataclass(frozen=True)
class RedisSpec(DatabaseSpec):
    """A redis URL and the command sent on it."""

    query: str | None = "PING"

    SCHEMES = ("redis", "rediss")
    DEFAULT_PORT = 6379
    SHORT_NAME = "redis"
    PAYLOAD_TYPE = "redis"

    @classmethod
    def url_parser(cls) -> Callable[[Any], str]:
        return _redis_url  # a database number in the path

    @property
    def target(self) -> str:  # the database number is always shown: `redis cache:6379/0`
        try:
            where = self.where
        except ValueError:  # only in a config refused for its URL
            return self.SHORT_NAME
        return f"{self.SHORT_NAME} {where.address}" + ("" if where.database else "/0")


_ANY_REDIS_URL = database_url(RedisSpec.SCHEMES, RedisSpec.DEFAULT_PORT)


@described(_ANY_REDIS_URL.json_schema)
def _redis_url(value: Any) -> str:
    """A redis:// or rediss:// URL whose path, if any, is a database number (/0)."""
    url = _ANY_REDIS_URL(value)
    database = parse_database_url(url, RedisSpec.SCHEMES, RedisSpec.DEFAULT_PORT).database
    if database is not None and not database.isdigit():
        raise ValueError(f"the path of a redis URL is a database number such as /0, got {shown('/' + database)}")
    return url


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Connect, send the command, record its reply."""
    from redis.asyncio import from_url
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    spec: RedisSpec = monitor.spec
    where = spec.where
    with failing(seen, where, monitor.timeout, _cause):
        started = time.perf_counter()
        connection = from_url(spec.url, single_connection_client=True, retry=Retry(NoBackoff(), 0),
                              socket_connect_timeout=monitor.timeout, socket_timeout=monitor.timeout)
        try:
            await connection.initialize()  # connects (and AUTH, SELECT) on its one connection
            seen.ttfb_ms = (time.perf_counter() - started) * 1000
            seen.facts["connected"] = True
            connection.response_callbacks.clear()  # this client's own table: the raw reply is wanted
            reply = await connection.execute_command(*shlex.split(spec.query))
        finally:
            await connection.aclose()
        _record(reply, seen)
        seen.passed()


def _record(reply: Any, seen: Observation) -> None:
    if isinstance(reply, (list, tuple)):
        seen.facts["rows"] = len(reply)
        reply = reply[0] if reply else None
    else:
        seen.facts["rows"] = 0 if reply is None else 1
    if isinstance(reply, (bytes, bytearray)):
        reply = reply.decode("utf-8", "replace")
    seen.facts["result"] = None if reply is None else str(reply)


def _cause(exc: Exception, where: DatabaseUrl, connected: bool) -> str | None:
    """`authentication failed for user "default"`, `query failed: ERR unknown command 'NOPE'...`;
    a connection error is named by the OS error it carries (refused, DNS)."""
    from redis import exceptions

    refused = isinstance(exc, exceptions.AuthenticationError) or str(exc).startswith(("WRONGPASS", "NOAUTH"))
    if refused and where.password is None:
        return "authentication required: put the password in the URL (redis://:password@host)"
    if refused:
        return f'authentication failed for user "{where.user or "default"}"'
    if isinstance(exc, exceptions.ConnectionError):
        return None if exc.__context__ is not None or exc.__cause__ is not None else str(exc)
    if isinstance(exc, exceptions.RedisError):
        return f"query failed: {exc}" if connected else str(exc) or None
    return None


REDIS = MonitorType("redis", ("url", "query"), reader(RedisSpec, "redis", command_line), probe,
                    facts=("connected", "result", "rows"), requires=(("redis", "redis"),))
