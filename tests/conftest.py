"""Shared fixtures: the asyncio backend, one fresh database per test on SQLite and PostgreSQL,
and a test certificate authority for the local TLS servers.

A module that wants SQLite only overrides `database_url` with a SQLite file path.
"""

import asyncio
import os
import ssl
import uuid
from urllib.parse import quote

import pytest
import trustme


@pytest.fixture(autouse=True, scope="session")
def private_state_directory(tmp_path_factory):
    """Engines write their console credential under the user's state directory: the tests' go to
    a directory of their own (subprocesses inherit it), never the real one."""
    previous = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if previous is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = previous


@pytest.fixture
def anyio_backend():
    """Async tests (marked `@pytest.mark.anyio`) run on asyncio, as the product does."""
    return "asyncio"


PG_URL = os.environ.get("UPTIME_TUI_TEST_PG")


def _pg_reachable() -> str | None:
    """None when PostgreSQL can be used, else why not."""
    if not PG_URL:
        return "UPTIME_TUI_TEST_PG is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:  # any failure means: skip that half, saying why
        return f"PostgreSQL at UPTIME_TUI_TEST_PG is not reachable: {exc}".strip()
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """A fresh database URL: a SQLite file, and a private schema on PostgreSQL when reachable."""
    if request.param == "sqlite":
        yield str(tmp_path / "uptime.db")
        return
    why_not = _pg_reachable()
    if why_not:
        pytest.skip(why_not)
    import psycopg2

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        from uptime_tui.store.models import database_proxy

        if database_proxy.obj is not None:
            database_proxy.obj.close()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def database(database_url):
    """The database at `database_url`, migrated; closed after the test."""
    from uptime_tui.store import open_database

    database = open_database(database_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def ca():
    """A CA the local TLS servers' certificates are issued by (`ca.issue_cert("127.0.0.1")`)."""
    return trustme.CA()


@pytest.fixture
def cafile(ca, tmp_path):
    """The CA's certificate as a file, for a ProbeClient that trusts it."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
async def failed_handshakes_expected():
    """Let servers refuse handshakes quietly: in asyncio debug mode (python -X dev) each failure
    is also reported to the loop's exception handler, which the test runner turns into errors."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop, context):
        if isinstance(context.get("exception"), (ConnectionResetError, ssl.SSLError)):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    yield
    loop.set_exception_handler(previous)
