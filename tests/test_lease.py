"""One engine per database: the lease row, its takeovers, the fence on every write, and the
runtime that takes, keeps and gives it up. Real SQLite files and PostgreSQL (`database`)."""

import asyncio
import logging
import os
import stat
import threading
from pathlib import Path
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from support.api import CONFIG, Clock, config, feed
from uptime_tui.api.listener import Listener
from uptime_tui.engine.service import EngineOptions
from uptime_tui.queries.engine_lease import running_engine
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.runtime.engine_thread import EngineThread
from uptime_tui.runtime.lease import LeaseHeld
from uptime_tui.store import lease as stored
from uptime_tui.store.lease import Claim, LeaseLost
from uptime_tui.store.models import CheckResult, EngineLease, Incident

CLAIM = Claim(host="db1", pid=4242, version="0.1.0", kind="serve")


def utcnow():
    return datetime.now(timezone.utc)


def runtime(database, *, lease: float = 15.0, standby: bool = False, kind: str = "console", listener=None,
            token_file=None) -> Runtime:
    parsed = config(CONFIG)
    settings = replace(parsed.settings, lease=lease, console_token_file=token_file)
    return Runtime(replace(parsed, settings=settings), database, clock=Clock(), listener=listener,
                   options=RuntimeOptions(probes=False, notify=False, kind=kind, standby=standby,
                                          engine=EngineOptions(escalation_tick=3600)))


def stale_holder(database, renewed_ago: float, epoch: int = 7) -> None:
    """A lease row as an engine killed with -9 leaves it: renewed `renewed_ago` seconds ago."""
    at = utcnow() - timedelta(seconds=renewed_ago)
    EngineLease.insert(id=1, epoch=epoch, host="gone", pid=99, version="0.1.0", kind="serve",
                       started_at=at, renewed_at=at, url=None, token_file=None, released=False).execute()


def taken_over(database, kind="serve", host="db2", pid=5151) -> None:
    """Another engine takes the lease (as after this one's lease expired)."""
    EngineLease.update(epoch=EngineLease.epoch + 1, kind=kind, host=host, pid=pid,
                       renewed_at=utcnow()).where(EngineLease.id == 1).execute()


async def until(condition, seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


def test_engines_racing_for_an_absent_or_expired_lease_end_with_one_holder(database):
    for round_ in range(4):  # absent, then released, then expired, then released again
        if round_ == 2:
            EngineLease.update(released=False, renewed_at=utcnow() - timedelta(hours=1)).execute()
        start = threading.Barrier(6)
        epochs: list = []

        def race():
            start.wait()
            database.connect(reuse_if_open=True)
            try:
                epochs.append(stored.acquire(database, CLAIM, utcnow(), 15.0)[0])
            finally:
                database.close()

        threads = [threading.Thread(target=race) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        won = [e for e in epochs if e is not None]
        assert len(epochs) == 6 and won == [round_ + 1], epochs
        if round_ != 1:
            assert stored.release(database, won[0])


def test_a_fresh_lease_is_never_taken_and_an_expired_one_is(database):
    stale_holder(database, renewed_ago=10)
    assert stored.acquire(database, CLAIM, utcnow(), 15.0)[0] is None
    holder = running_engine(utcnow(), 15.0)
    assert (holder.kind, holder.host, holder.pid, holder.epoch) == ("serve", "gone", 99, 7)

    EngineLease.update(renewed_at=utcnow() - timedelta(seconds=20)).execute()
    assert running_engine(utcnow(), 15.0) is None
    assert stored.acquire(database, CLAIM, utcnow(), 15.0)[0] == 8
    assert running_engine(utcnow(), 15.0).host == "db1"


def test_renewal_and_the_fence_hold_only_for_the_holders_epoch(database):
    epoch, _ = stored.acquire(database, CLAIM, utcnow(), 15.0)
    stored.renew(database, epoch, utcnow())
    stored.check_fence(database, epoch)
    taken_over(database)
    with pytest.raises(LeaseLost, match="lease lost to serve on db2 pid 5151"):
        stored.renew(database, epoch, utcnow())
    with pytest.raises(LeaseLost):
        stored.check_fence(database, epoch)
    assert not stored.release(database, epoch)  # not ours: the new holder's row is untouched
    assert EngineLease.get_by_id(1).released is False


@pytest.mark.anyio
async def test_two_runtimes_started_at_once_one_runs_and_one_is_told_who(database):
    first, second = runtime(database), runtime(database)
    outcomes = await asyncio.gather(first.start(), second.start(), return_exceptions=True)
    try:
        assert sorted(type(o).__name__ for o in outcomes) == ["LeaseHeld", "NoneType"], outcomes
        held = next(o for o in outcomes if isinstance(o, LeaseHeld))
        winner = first if outcomes[0] is None else second
        assert held.holder.epoch == winner.lease.epoch and held.holder.pid == os.getpid()
        assert held.holder.kind == "console"
    finally:
        await first.stop()
        await second.stop()
    assert running_engine(utcnow(), 15.0) is None  # released on stop


@pytest.mark.anyio
async def test_a_standby_waits_while_the_holder_runs_and_takes_over_when_it_stops(database, caplog):
    active = runtime(database, lease=3)
    await active.start()
    standby = runtime(database, lease=3, standby=True, kind="serve")
    with caplog.at_level(logging.INFO, logger="uptime_tui"):
        waiting = asyncio.ensure_future(standby.start())
        await until(standby.lease.standing_by.is_set)
        await asyncio.sleep(3)  # a whole lease: the holder renews, so the standby still waits
        assert not waiting.done()
        await active.stop()
        async with asyncio.timeout(15):
            await waiting
    try:
        assert standby.lease.epoch == 2
        assert running_engine(utcnow(), 3).kind == "serve"
        said = [r.getMessage() for r in caplog.records]
        assert f"standby: the engine is held by a console on {active.lease.claim.host} pid {os.getpid()}" in said
    finally:
        await standby.stop()


@pytest.mark.anyio
async def test_a_stale_lease_is_taken_over_only_once_it_expires(database):
    stale_holder(database, renewed_ago=1)
    with pytest.raises(LeaseHeld, match="held by a serve on gone pid 99"):
        await runtime(database, lease=4).start()
    standby = runtime(database, lease=4, standby=True)
    waiting = asyncio.ensure_future(standby.start())
    await until(standby.lease.standing_by.is_set)
    assert EngineLease.get_by_id(1).epoch == 7  # still the dead holder's
    async with asyncio.timeout(20):
        await waiting  # once it has not been renewed for 4 s
    try:
        assert standby.lease.epoch == 8
    finally:
        await standby.stop()


@pytest.mark.anyio
async def test_an_engine_whose_lease_was_taken_stores_nothing_it_decides_afterwards(database, caplog):
    loser = runtime(database)
    await loser.start()
    try:
        engine, clock = loser.engine, Clock()
        taken_over(database)
        with caplog.at_level(logging.INFO, logger="uptime_tui"), pytest.raises(LeaseLost):
            await feed(engine, clock, "web", success=False, times=2)  # would open an incident
        await until(loser.lease.lost.is_set)
        await feed(engine, clock, "api", success=False, times=1)
    finally:
        await loser.stop()
    assert Incident.select().count() == 0
    assert CheckResult.select().count() == 0  # results queued after the takeover are dropped too
    lease = EngineLease.get_by_id(1)
    assert (lease.host, lease.epoch, lease.released) == ("db2", 2, False)  # the stop left it alone
    lost = [r.getMessage() for r in caplog.records if "lease lost" in r.getMessage()]
    assert lost == ["lease lost to serve on db2 pid 5151: stopping"]


@pytest.mark.anyio
async def test_a_renewal_that_finds_another_epoch_stops_the_engines_writes(database):
    loser = runtime(database, lease=3)
    await loser.start()
    try:
        taken_over(database, kind="console", host="laptop", pid=7)
        await until(loser.lease.lost.is_set)  # the next renewal, within a third of the lease
        assert str(loser.lease.lost_to) == "lease lost to console on laptop pid 7"
        with pytest.raises(LeaseLost):
            await feed(loser.engine, Clock(), "web", success=False, times=2)
    finally:
        await loser.stop()
    assert Incident.select().count() == 0


def test_the_console_engine_stops_and_says_so_when_its_lease_is_taken(database):
    failed = threading.Event()
    errors: list = []
    thread = EngineThread(lambda: runtime(database, lease=3))
    thread.start(on_event=lambda payload: None, on_failed=lambda exc: (errors.append(exc), failed.set()))
    try:
        taken_over(database)
        assert failed.wait(20)
        assert isinstance(errors[0], LeaseLost) and thread.engine is None
    finally:
        thread.stop()


def test_a_console_engine_is_told_when_another_engine_holds_the_database(database):
    stale_holder(database, renewed_ago=0)
    thread = EngineThread(lambda: runtime(database))
    with pytest.raises(LeaseHeld) as held:
        thread.start(on_event=lambda payload: None)
    thread.stop()
    assert (held.value.holder.kind, held.value.holder.host) == ("serve", "gone")


@pytest.mark.anyio
async def test_the_holder_writes_the_console_credential_and_names_it_in_the_lease(database, tmp_path):
    path = tmp_path / "state" / "deep" / "engine.token"
    active = runtime(database, listener=Listener, token_file=str(path))
    await active.start()
    try:
        token = path.read_text()
        # A file the config names is for a team: its group may read it (the directory decides who).
        assert stat.S_IMODE(path.stat().st_mode) == 0o640 and len(token) >= 40
        assert active.listener.console_token == token
        identity = active.listener.identity
        assert (identity["kind"], identity["pid"], identity["epoch"]) == ("console", os.getpid(), 1)
        holder = running_engine(utcnow(), 15.0)
        assert holder.token_file == str(path) and holder.url == f"http://127.0.0.1:{active.listener.port}"
    finally:
        await active.stop()
    assert not path.exists()


@pytest.mark.anyio
async def test_the_default_console_credential_is_readable_by_its_user_only(database):
    active = runtime(database, listener=Listener)
    await active.start()
    try:
        path = Path(running_engine(utcnow(), 15.0).token_file)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == active.listener.console_token
    finally:
        await active.stop()
    assert not path.exists()
