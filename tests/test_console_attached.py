"""The console attached to an engine elsewhere (tui/attached.py, cli/attach.py), through Pilot.

The engine runs in the test's loop behind its real listener on 127.0.0.1; the console reads the
same database itself and sends operations and reads the live stream over HTTP. An engine lost and
found again is its listener stopped and started anew on the same port."""

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp import web

from support.api import READ_TOKEN, Clock, open_incident
from support.attached import CONSOLE_TOKEN, IDENTITY, attachable
from support.network import free_port
from uptime_tui.api.listener import Listener
from support.pilot import toasts, until
from uptime_tui.cli import main
from uptime_tui.cli.attach import ConsoleEngine, holder_address, reachable_url
from uptime_tui.store.models import AuditEntry
from uptime_tui.tui.app import build_app
from uptime_tui.tui.attached import AttachedEngine, EngineAddress


@pytest.fixture
def database_url(tmp_path):
    return str(tmp_path / "uptime.db")  # the console's side of the link: one database is enough


class Listening:
    """The engine's real listener, which the test can take away and bring back on its port."""

    def __init__(self, runtime):
        self.runtime, self.listener = runtime, runtime.listener
        self.url = f"http://127.0.0.1:{self.listener.port}"

    async def cut(self) -> None:
        await self.listener.stop()

    async def restore(self) -> None:
        engine = self.runtime.engine
        self.listener = Listener("127.0.0.1", self.runtime.listener.port, engine.receive_ping, engine,
                                 self.runtime._api_reads, console_token=CONSOLE_TOKEN, identity=IDENTITY)
        await self.listener.start()

    async def stop(self) -> None:
        if self.listener is not self.runtime.listener:
            await self.listener.stop()


@asynccontextmanager
async def attached_console(database, token=CONSOLE_TOKEN):
    """An engine behind its listener, and a console attached to it; (app, pilot, clock, engine, listening)."""
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        listening = Listening(runtime)
        link = AttachedEngine(EngineAddress(listening.url, token, console=token == CONSOLE_TOKEN))
        app = build_app(runtime.engine.config, operator="alice", engine=link, clock=clock)
        try:
            async with app.run_test(size=(120, 30), notifications=True) as pilot:
                await until(pilot, lambda: link.engine is not None and app.dashboard.loaded
                            and app.dashboard.table("monitors").rows, "attached, following and loaded")
                yield app, pilot, clock, runtime.engine, listening
        finally:
            await listening.stop()


def header(app) -> str:
    return str(app.dashboard.query_one("#status-bar").render())


async def focus_incident(app, pilot, incident_id):
    table = app.dashboard.table("incidents")
    table.focus()
    table.move_to(table.visible_rows.index(table.get(incident_id)))
    await pilot.pause()


@pytest.mark.anyio
async def test_events_reach_the_panes_and_operations_name_the_person(database):
    async with attached_console(database) as (app, pilot, clock, engine, listening):
        assert "serve on engine-host" in header(app)
        incident = await open_incident(engine, clock)  # the console learns it from the stream only
        await until(pilot, lambda: app.dashboard.table("incidents").get(incident.id) is not None, "the incident row")
        await focus_incident(app, pilot, incident.id)
        await pilot.press("a")
        await until(pilot, lambda: any("acknowledged" in t.lower() for t in toasts(app)), "the outcome")
        entry = AuditEntry.get(AuditEntry.action == "incident.acknowledged")
        assert (entry.actor_type, entry.actor_name) == ("user", "alice")
        await pilot.press("a")  # already acknowledged: the engine's refusal, word for word
        await until(pilot, lambda: any("already acknowledged by alice" in t for t in toasts(app)), "the refusal")


@pytest.mark.anyio
async def test_a_read_only_key_is_told_why_nothing_changed(database):
    async with attached_console(database, token=READ_TOKEN) as (app, pilot, clock, engine, listening):
        incident = await open_incident(engine, clock)
        await until(pilot, lambda: app.dashboard.table("incidents").get(incident.id) is not None, "the incident row")
        await focus_incident(app, pilot, incident.id)
        await pilot.press("a")
        await until(pilot, lambda: any("this console's key is read-only: nothing was changed" in t
                                       for t in toasts(app)), "the refusal")
        assert not AuditEntry.select().where(AuditEntry.action == "incident.acknowledged").exists()


@pytest.mark.anyio
async def test_a_lost_stream_marks_the_header_keeps_the_rows_and_recovers(database):
    async with attached_console(database) as (app, pilot, clock, engine, listening):
        monitors = len(app.dashboard.table("monitors").rows)
        await listening.cut()
        await until(pilot, lambda: "⚠ engine lost since" in header(app), "the lost engine in the header")
        assert "showing what it last knew" in header(app)
        assert len(app.dashboard.table("monitors").rows) == monitors
        await pilot.press("p")  # an operation while lost is refused here, not sent
        await until(pilot, lambda: any("not running" in t for t in toasts(app)), "the refusal")
        incident = await open_incident(engine, clock)  # missed: the stream is down
        await listening.restore()
        await until(pilot, lambda: "serve on engine-host" in header(app), "the engine back in the header", tries=400)
        assert any("Attached again" in t for t in toasts(app))
        await until(pilot, lambda: app.dashboard.table("incidents").get(incident.id) is not None,
                    "the reload after the reconnect shows what was missed")


@pytest.mark.anyio
async def test_a_silent_stream_counts_as_lost(database, monkeypatch):
    monkeypatch.setattr("uptime_tui.tui.attached.SILENCE", 0.5)  # the listener pings every 10 s
    async with attached_console(database) as (app, pilot, clock, engine, listening):
        await until(pilot, lambda: "⚠ engine lost since" in header(app), "silence noticed")


@dataclass
class Holder:
    """A lease holder as queries/engine_lease.py describes it (the fields the console uses)."""

    url: str | None
    token_file: str | None
    kind: str = "serve"
    host: str = "here"
    pid: int = 1


class EmbeddedStandIn:
    """Stands in for the EngineThread the console would start (starting a second engine on the
    test's database is not what is tested here: the decision is)."""

    def __init__(self):
        self.engine = None
        self.started = False

    def start(self, on_event, on_failed=None):
        self.started, self.engine = True, object()

    def stop(self):
        self.engine = None


def test_a_holder_is_attachable_only_with_a_listener_and_a_readable_credential(tmp_path):
    token = tmp_path / "engine.token"
    token.write_text("secret\n")
    assert holder_address(Holder("http://127.0.0.1:1/", str(token))) == EngineAddress("http://127.0.0.1:1", "secret")
    assert holder_address(Holder(None, str(token))) is None
    assert holder_address(Holder("http://127.0.0.1:1", str(tmp_path / "missing"))) is None
    assert holder_address(None) is None


@pytest.mark.anyio
async def test_the_console_attaches_to_the_holder_and_takes_over_when_it_is_gone(database, tmp_path):
    token = tmp_path / "engine.token"
    token.write_text(CONSOLE_TOKEN)
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        listening = Listening(runtime)
        lease = [Holder(listening.url, str(token))]
        embedded = EmbeddedStandIn()
        said = []
        choice = ConsoleEngine(runtime.engine.config, lambda: embedded, lambda: lease[0])
        choice.link_changed = lambda kind, sentence: said.append((kind, sentence))
        try:
            await asyncio.to_thread(choice.start, lambda payload: None)
            assert isinstance(choice.current, AttachedEngine) and choice.engine is not None
            lease[0] = None  # the engine stopped and released the lease
            await listening.cut()
            for _ in range(300):
                if embedded.started:
                    break
                await asyncio.sleep(0.05)
            assert choice.current is embedded and embedded.started
            assert [kind for kind, _ in said] == ["lost", "gone", "embedded"]
            assert said[-1][1] == "The engine stopped: this console now runs it"
        finally:
            choice.stop()
            await listening.stop()


@pytest.mark.anyio
async def test_connect_says_in_one_line_what_is_wrong_before_the_ui(database, capsys):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        listening = Listening(runtime)
        other = web.Application()  # a web server, but not uptime-tui's listener
        runner = web.AppRunner(other)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        stranger = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        try:
            cases = [([listening.url, "wrong-key"], "refused the key"),
                     ([f"http://127.0.0.1:{free_port()}", CONSOLE_TOKEN], "cannot reach"),
                     ([stranger, CONSOLE_TOKEN], "is not an uptime-tui listener")]
            for (url, key), said in cases:
                code = await asyncio.to_thread(main, ["--connect", url, "--key", key])
                err = capsys.readouterr().err
                assert code == 2 and said in err and err.count("\n") == 1, (url, err)
            assert await asyncio.to_thread(main, ["--connect", listening.url]) == 2
            assert "go together" in capsys.readouterr().err
        finally:
            await runner.cleanup()


def test_a_listener_on_every_address_is_reached_on_loopback():
    assert reachable_url("http://0.0.0.0:8787/") == "http://127.0.0.1:8787"
    assert reachable_url("http://[::]:8787") == "http://[::1]:8787"
    assert reachable_url("http://10.0.0.5:8787") == "http://10.0.0.5:8787"
