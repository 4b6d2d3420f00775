"""What importing a layer loads at run time, in a fresh interpreter: the import-linter contracts in
pyproject.toml check the import statements; this checks that lazy imports stay lazy (a config
load brings no probe library, the engine no HTTP server, console or Apprise)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IO = ("peewee", "httpx", "aiohttp", "dns", "apprise", "textual")
DRIVERS = ("icmplib", "psycopg", "aiomysql", "pymysql", "redis")  # the probes' own, loaded by a check

CASES = {  # modules imported together -> libraries none of them may load
    "the pure rules and values": (
        "uptime_tui.rules.monitor_machine uptime_tui.rules.heartbeat_machine uptime_tui.rules.actions "
        "uptime_tui.rules.escalation_policy uptime_tui.rules.maintenance uptime_tui.events uptime_tui.audit "
        "uptime_tui.results uptime_tui.redaction uptime_tui.operator uptime_tui.ping_urls", IO),
    "loading a config": ("uptime_tui.config", IO + DRIVERS),
    "the checks package, until a check runs": ("uptime_tui.checks uptime_tui.checks.registry", IO + DRIVERS),
    "the engine": ("uptime_tui.engine.service", ("aiohttp", "httpx", "dns", "apprise", "textual")),
    "the read layer": ("uptime_tui.queries.dashboard uptime_tui.queries.incidents uptime_tui.queries.audit "
                       "uptime_tui.queries.deliveries", ("aiohttp", "httpx", "apprise", "textual")),
}


def loaded_after(modules: str, watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` a fresh interpreter has loaded after importing `modules`."""
    code = (f"import sys\nfor m in {modules.split()!r}: __import__(m)\n"
            f"print(','.join(m for m in {watched!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return [name for name in done.stdout.strip().split(",") if name]


@pytest.mark.parametrize("what", CASES)
def test_importing_loads_no_library_it_must_not(what):
    modules, forbidden = CASES[what]
    assert loaded_after(modules, forbidden) == []


def test_the_check_catches_a_library_that_is_loaded():
    assert loaded_after("json uptime_tui.store.models", ("peewee", "json")) == ["peewee", "json"]
