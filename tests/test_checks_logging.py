"""Log volume and log secrets: a check logs nothing through serve's logging unless --verbose, and
what a library logs with --verbose never shows a URL's credentials."""

from __future__ import annotations

import io
import logging

import pytest
from aiohttp import web

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.cli import LIBRARY_LOGGERS, build_parser, configure_logging
from support.config import monitor

pytestmark = pytest.mark.anyio


@pytest.fixture
def log_output():
    """A stream for configure_logging's handler; the logging setup is put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, library_level in levels.items():
        logging.getLogger(name).setLevel(library_level)


@pytest.fixture
async def target():
    """Base URL of a server on 127.0.0.1 that answers 200."""
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/health", ok)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    await runner.cleanup()


@pytest.mark.parametrize("argv, verbose", [
    (["serve"], False), (["serve", "--verbose"], True), (["--verbose", "serve"], True),
    (["console"], False), (["console", "--verbose"], True), ([], False), (["--verbose"], True),
])
def test_serve_and_console_take_verbose(argv, verbose):
    assert build_parser().parse_args(argv).verbose is verbose


def test_libraries_log_warnings_only_unless_verbose(log_output):
    configure_logging(logging.StreamHandler(log_output))
    for name in ("httpx", "httpcore", "aiohttp.access", "apprise", "asyncio", "peewee"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    assert logging.getLogger("uptime_tui.engine").getEffectiveLevel() == logging.INFO
    configure_logging(logging.StreamHandler(io.StringIO()), verbose=True)
    assert logging.getLogger("httpx").getEffectiveLevel() <= logging.INFO


async def test_a_check_logs_no_line_through_serves_logging(log_output, target):
    configure_logging(logging.StreamHandler(log_output))
    async with ProbeClient() as client:
        result = await run_check(monitor("http", url=f"http://{target}/health"), client, "eu")
    logging.getLogger("uptime_tui.engine").info("monitor m is up")  # a state change still logs
    assert result.success
    assert log_output.getvalue().splitlines()[-1].endswith("INFO monitor m is up")
    assert "HTTP Request" not in log_output.getvalue()


async def test_verbose_logs_each_request_without_the_urls_secrets(log_output, target):
    configure_logging(logging.StreamHandler(log_output), verbose=True)
    url = f"http://probe:hunter2-secret@{target}/health?api_key=key-in-query-123"
    async with ProbeClient() as client:
        assert (await run_check(monitor("http", url=url), client, "eu")).success
    lines = [line for line in log_output.getvalue().splitlines() if "HTTP Request" in line]
    assert len(lines) == 1
    assert f"GET http://{target}/health?api_key=**** " in lines[0]
    assert "hunter2-secret" not in log_output.getvalue() and "key-in-query-123" not in log_output.getvalue()
