"""postgres, mysql and redis checks against real servers: PostgreSQL at UPTIME_TUI_TEST_PG, MariaDB
or MySQL at UPTIME_TUI_TEST_MYSQL (each skipped, saying why, when not reachable), and a
redis-server started here. Causes read well and never show the password."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from support.config import loaded, refused
from support.network import free_port
from uptime_tui.checks import ProbeClient, registry, run_check
from uptime_tui.checks.observation import Observation

pytestmark = pytest.mark.anyio

PG_URL = os.environ.get("UPTIME_TUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("UPTIME_TUI_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")
PASSWORD = "hunter2-sekret"


def load(entry: str):
    return loaded(f"id: d, timeout: 5s, {entry}")


def problems(entry: str) -> list[str]:
    return refused(f"id: d, timeout: 5s, {entry}")


async def check(monitor):
    """(the result, the facts a second probe recorded)."""
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "eu")
        seen = Observation()
        await registry.TYPES[monitor.type].probe(monitor, client, seen)
    return result, seen.facts


def with_port(url: str, port: int, password: str | None = None) -> str:
    """`url` pointed at another port, with `password` for its user when given."""
    parts = urlsplit(url)
    user = f"{parts.username or ''}:{password}@" if password else (f"{parts.username}@" if parts.username else "")
    return urlunsplit(parts._replace(netloc=f"{user}{parts.hostname}:{port}"))


def with_password(url: str, password: str) -> str:
    return with_port(url, urlsplit(url).port, password)


@pytest.fixture(scope="module")
def postgres_url() -> str:
    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL at UPTIME_TUI_TEST_PG ({PG_URL}) is not reachable: {str(exc).strip().splitlines()[0]}")
    return PG_URL


@pytest.fixture(scope="module")
def mysql_url() -> str:
    import pymysql

    parts = urlsplit(MYSQL_URL)
    try:
        pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=parts.username,
                        password=parts.password or "", database=parts.path.lstrip("/") or None,
                        connect_timeout=3).close()
    except pymysql.MySQLError as exc:
        pytest.skip(f"MySQL/MariaDB at UPTIME_TUI_TEST_MYSQL ({MYSQL_URL}) is not reachable: {exc}")
    return MYSQL_URL


@pytest.fixture(scope="module")
def redis_port():
    """A redis-server of our own on a free port, with a password, nothing written to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("the redis-server binary is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--requirepass", PASSWORD],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)


# --- postgres ------------------------------------------------------------------------------------


async def test_postgres_passes_with_result_and_rows(postgres_url):
    monitor = load(f"type: postgres, url: '{postgres_url}', conditions: [result == 1, rows > 0, connected == true]")
    result, facts = await check(monitor)
    assert (result.success, result.cause, result.assertions) == (True, None, ((True, '"1"'), (True, "1"), (True, "true")))
    assert facts == {"connected": True, "result": "1", "rows": 1} and result.ttfb_ms > 0
    many = load(f"type: postgres, url: '{postgres_url}', query: 'SELECT n, 0 FROM generate_series(7, 9) n',"
                " conditions: [rows == 2]")
    result, facts = await check(many)
    assert (facts["result"], facts["rows"]) == ("7", 3)
    assert (result.success, result.cause) == (False, "rows is 3, expected 2")


async def test_postgres_causes(postgres_url):
    bad_query = load(f"type: postgres, url: '{postgres_url}', query: 'SELECT * FROM nope'")
    result, facts = await check(bad_query)
    assert (result.success, result.cause, facts["connected"]) == (
        False, 'query failed: relation "nope" does not exist', True)
    refused = load(f"type: postgres, url: '{with_port(postgres_url, free_port())}'")
    result, facts = await check(refused)
    assert (result.success, result.cause, "connected" in facts) == (False, "connection refused", False)


async def test_postgres_masks_the_password_a_driver_error_quotes(monkeypatch):
    import psycopg

    url = f"postgresql://probe:{PASSWORD}@127.0.0.1:5432/test"
    messages = iter([
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password '
        'authentication failed for user "probe"',
        f"invalid connection option in {url} (password={PASSWORD})",
    ])

    async def refuse(*args, **kwargs):
        raise psycopg.OperationalError(next(messages))

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", refuse)
    monitor = load(f"type: postgres, url: '{url}'")
    async with ProbeClient() as client:
        wrong = await run_check(monitor, client, "eu")
        quoted = await run_check(monitor, client, "eu")
    assert wrong.cause == 'authentication failed for user "probe"'
    assert PASSWORD not in quoted.cause and quoted.cause.count("****") == 2, quoted.cause


# --- mysql ---------------------------------------------------------------------------------------


async def test_mysql_passes_with_result_and_rows(mysql_url):
    monitor = load(f"type: mysql, url: '{mysql_url}', conditions: [result == 1, rows > 0]")
    result, facts = await check(monitor)
    assert (result.success, result.cause, result.assertions) == (True, None, ((True, '"1"'), (True, "1")))
    assert facts == {"connected": True, "result": "1", "rows": 1}
    null = load(f"type: mysql, url: '{mysql_url}', query: 'SELECT NULL UNION ALL SELECT 2', conditions: [result == null]")
    result, facts = await check(null)
    assert (result.success, facts["result"], facts["rows"]) == (True, None, 2)


async def test_mysql_causes(mysql_url):
    result, _ = await check(load(f"type: mysql, url: '{mysql_url}', query: 'SELECT * FROM nope'"))
    assert (result.success, result.cause) == (False, f"query failed: Table '{urlsplit(mysql_url).path[1:]}.nope'"
                                                     " doesn't exist")
    result, _ = await check(load(f"type: mysql, url: '{with_port(mysql_url, free_port())}'"))
    assert (result.success, result.cause) == (False, "connection refused")
    wrong = with_password(mysql_url, PASSWORD)
    result, _ = await check(load(f"type: mysql, url: '{wrong}'"))
    assert (result.success, result.cause) == (False, f'authentication failed for user "{urlsplit(wrong).username}"')


async def test_mysql_masks_the_password_a_driver_error_quotes(monkeypatch):
    import aiomysql
    import pymysql

    async def refuse(**kwargs):
        raise pymysql.err.OperationalError(2059, f"plugin failed with password '{kwargs['password']}'")

    monkeypatch.setattr(aiomysql, "connect", refuse)
    result, _ = await check(load(f"type: mysql, url: 'mysql://probe:{PASSWORD}@127.0.0.1/test'"))
    assert result.cause == "plugin failed with password '****'"


# --- redis ---------------------------------------------------------------------------------------


async def test_redis_ping_and_a_query(redis_port):
    url = f"redis://:{PASSWORD}@127.0.0.1:{redis_port}/0"
    result, facts = await check(load(f"type: redis, url: '{url}', conditions: [result == PONG]"))
    assert (result.success, result.cause, facts) == (True, None, {"connected": True, "result": "PONG", "rows": 1})
    await check(load(f"type: redis, url: '{url}', query: 'SET \"health key\" ok'"))
    result, facts = await check(load(f"type: redis, url: '{url}', query: 'GET \"health key\"',"
                                     " conditions: ['result == ok', rows > 0]"))
    assert (result.success, facts["result"], facts["rows"]) == (True, "ok", 1)
    result, facts = await check(load(f"type: redis, url: '{url}', query: 'GET absent', conditions: [rows > 0]"))
    assert (result.success, facts["result"], facts["rows"]) == (False, None, 0)
    result, facts = await check(load(f"type: redis, url: '{url}', query: 'KEYS *'"))
    assert (facts["result"], facts["rows"]) == ("health key", 1)


async def test_redis_causes(redis_port):
    result, _ = await check(load(f"type: redis, url: 'redis://:{PASSWORD}@127.0.0.1:{redis_port}', query: NOPE x"))
    assert (result.success, result.cause.partition(" '")[0]) == (False, "query failed: unknown command")
    result, _ = await check(load(f"type: redis, url: 'redis://:wrong-{PASSWORD}@127.0.0.1:{redis_port}/0'"))
    assert (result.success, result.cause) == (False, 'authentication failed for user "default"')
    assert PASSWORD not in result.cause
    result, _ = await check(load(f"type: redis, url: 'redis://127.0.0.1:{redis_port}/0'"))
    assert result.cause.startswith("authentication required")
    result, _ = await check(load(f"type: redis, url: 'redis://127.0.0.1:{free_port()}/0'"))
    assert (result.success, result.cause) == (False, "connection refused")


# --- config --------------------------------------------------------------------------------------


def test_targets_and_payload_types():
    shown = {t: (m.target, m.payload_type) for t, m in (
        ("postgres", load("type: postgres, url: 'postgresql://u:p@db.internal:5432/orders'")),
        ("postgres short", load("type: postgres, url: 'postgres://db.internal'")),
        ("mysql", load("type: mysql, url: 'mysql://u:p@host/db'")),
        ("redis", load("type: redis, url: 'rediss://:p@host'")),
    )}
    assert shown == {"postgres": ("pg db.internal:5432/orders", "postgresql"),
                     "postgres short": ("pg db.internal:5432", "postgresql"),
                     "mysql": ("mysql host:3306/db", "mysql"), "redis": ("redis host:6379/0", "redis")}
    assert load("type: mysql, url: 'mysql://h/db'").spec.query == "SELECT 1"
    assert load("type: redis, url: 'redis://h'").spec.query == "PING"


def test_keys_are_refused_with_line_and_column():
    assert problems("type: postgres, url: 'mysql://u:pw@h/db', query: ''") == [
        "c.yaml:2:47: monitors[0].url: expected a postgresql:// or postgres:// URL, got 'mysql://****@h/db'",
        "c.yaml:2:75: monitors[0].query: must not be empty",
    ]
    assert problems("type: mysql, query: SELECT 2") == ["c.yaml:2:5: monitors[0]: 'url' is required for a mysql monitor"]
    assert problems("type: mysql, url: 'mysql://h:99999/db?ssl=1'") == [
        "c.yaml:2:44: monitors[0].url: cannot read 'mysql://h:99999/db?ssl=1' as a URL: Port out of range 0-65535"]
    assert problems("type: mysql, url: 'mysql://h/db?ssl=1'") == [
        "c.yaml:2:44: monitors[0].url: mysql:// URLs take no options after '?' here"]
    assert problems("type: redis, url: 'redis://h/cache', query: 'GET \"a'") == [
        "c.yaml:2:44: monitors[0].url: the path of a redis URL is a database number such as /0, got '/cache'",
        "c.yaml:2:70: monitors[0].query: cannot split the command: no closing quotation",
    ]
    assert problems("type: redis, url: 'redis://h', conditions: [status == 200]") == [
        "c.yaml:2:70: monitors[0].conditions[0]: redis monitors have no status"
        " (they have response_time, connected, result, rows)"]


@pytest.mark.parametrize(("type", "url", "module", "extra"), [
    ("postgres", "postgresql://h/db", "psycopg", "postgres"),
    ("mysql", "mysql://h/db", "aiomysql", "mysql"),
    ("redis", "redis://h", "redis", "redis"),
])
def test_a_missing_driver_is_refused_naming_the_extra(monkeypatch, type, url, module, extra):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a))
    assert problems(f"type: {type}, url: '{url}'") == [
        f"c.yaml:2:32: monitors[0].type: {type} monitors need the {module} driver, which is not installed:"
        f" pip install 'uptime-tui[{extra}]'"]
