"""Faults, run on demand (slow; not part of pytest): real `uptime-tui serve` processes, a real
target server and webhook receiver on 127.0.0.1, a SQLite file or a PostgreSQL schema of its own.
Prints a table of counts per database and exits 1 when an invariant is broken.

    .venv/bin/python bench/faults.py                       # the kill storm, SQLite and PostgreSQL
    .venv/bin/python bench/faults.py --kills 5 --db sqlite --seed 7
    .venv/bin/python bench/faults.py --scenario pg-outage  # or idle-flood, sqlite-lock, all
    .venv/bin/python bench/faults.py --code HEAD~3         # another revision (git archive)

The code run is a copy of the package taken at the start (`--code tree`, the default) or a git
revision: others edit the working tree meanwhile, and a run must not change code halfway.

kill storm: 50 http monitors (1 s interval, 2 failures to open, 2 successes to resolve, every
incident event to a webhook). All targets go down and up `--cycles` times while `serve` is
killed with SIGKILL `--kills` times at seeded random moments (during start-up too) and started
again after a short pause, and stopped with SIGTERM and started again `--terms` times, each in
the burst of incident changes after a flip (a graceful stop then meets steps queued in the
writer, which a random SIGKILL almost never does). Then the targets stay up until every
incident is resolved and delivered (bounded), `serve` gets SIGTERM, and the database and the
receiver are checked: no incident started twice or resolved more often than reopened (a failure
soon after a recovery reopens), none open while its target is up, no monitor with two open
incidents of one type at once, every incident.started/.resolved event stored was received
(duplicates allowed, with the same Idempotency-Key and body), exit code 0, `uptime-tui audit
verify` passes.

The other scenarios (bench/fault_scenarios.py): `pg-outage` cuts the engine's PostgreSQL
connections for 15 s while its targets go down; `idle-flood` opens 1,100 idle connections to the
listener of an engine limited to 1,024 files; `sqlite-lock` holds an exclusive lock on the SQLite
file for 20 s while targets go down.

PostgreSQL: $UPTIME_TUI_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test); each run
works in a schema of its own and drops it, and cuts only connections named after that run.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout too

from bench.fault_checks import Row, print_table, storm_rows  # noqa: E402
from bench.fault_rig import Rig  # noqa: E402
from bench.fault_support import PG_URL, first_error, snapshot_code, stop_all  # noqa: E402

SCENARIOS = ("storm", "pg-outage", "idle-flood", "sqlite-lock")
ALIVE = (0.4, 7.0)  # seconds a serve process lives before its SIGKILL (from its start)
PAUSE = (0.1, 1.5)  # seconds before it is started again
PHASE = 10.0  # the shortest down or up phase of the targets, seconds


def storm_plan(rng: random.Random, kills: int, cycles: int, terms: int = 0) -> list[tuple[float, str]]:
    """(seconds from the storm's start, action) sorted: `kill` and `start` of serve at seeded
    random moments, the 2 x cycles flips of all targets (`down`, `up`, ...) spread evenly, and
    `term`s (graceful restarts), each aimed at the burst of incident changes after a flip.
    Each down or up phase lasts at least PHASE seconds so that incidents can open and resolve
    between the kills; the lives are stretched to fill the storm when the kills are few."""
    lives = [rng.uniform(*ALIVE) for _ in range(kills)]
    pauses = [rng.uniform(*PAUSE) for _ in range(kills)]
    length = max(sum(lives) + sum(pauses), 2 * cycles * PHASE)
    stretch = (length - sum(pauses)) / sum(lives) if kills else 1.0
    plan, moment = [], 0.0
    for life, pause in zip(lives, pauses):
        moment += life * stretch
        plan += [(moment, "kill"), (moment + pause, "start")]
        moment += pause
    phase = length / (2 * cycles) if cycles else 0.0
    flips = [(phase * (k + 0.5) + rng.uniform(-0.2, 0.2) * phase, "down" if k % 2 == 0 else "up")
             for k in range(2 * cycles)]
    terms_at = [(flips[i % len(flips)][0] if flips else rng.uniform(0, length)) + 0.2 for i in range(terms)]
    return sorted(plan + flips + [(t, "term") for t in terms_at])


def wait_for_burst(rig: Rig, after_event: int, rng: random.Random, timeout: float = 5.0) -> None:
    """Until the engine stores an event after `after_event` (the last flip or start: it has begun
    opening or resolving incidents, which takes about one check interval), then a random moment
    within that burst: a graceful stop then may meet steps queued in the writer. When no burst
    comes (all done already), the stop comes after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and rig.store.scalar("SELECT MAX(id) FROM event") <= after_event:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.6))


def kill_storm(rig: Rig, args) -> list[Row]:
    rng = random.Random(args.seed)
    plan = storm_plan(rng, args.kills, args.cycles, args.terms)
    rig.start()
    time.sleep(3)  # a few healthy checks first
    flips, died, kills, terms, term_codes = 0, [], 0, 0, []
    newest_event = 0  # when the targets last flipped or serve last started: the burst comes after
    begun = time.monotonic()
    for moment, action in plan:
        time.sleep(max(0.0, begun + moment - time.monotonic()))
        if action in ("down", "up"):
            rig.targets.set_all(action == "up")
            flips += 1
            newest_event = rig.store.scalar("SELECT MAX(id) FROM event")
        elif action == "kill":
            if rig.serve.alive():
                rig.serve.kill()
                kills += 1
            else:  # it stopped before we killed it
                died.append(rig.serve.process.returncode)
        elif action == "term":
            if rig.serve.alive() and rig.serve.wait_ready(10):  # before that, SIGTERM just ends it (-15)
                wait_for_burst(rig, newest_event, rng)
                term_codes.append(rig.serve.terminate(30))
                terms += 1
                newest_event = rig.store.scalar("SELECT MAX(id) FROM event")
                rig.serve.start()
        elif not rig.serve.alive():
            newest_event = rig.store.scalar("SELECT MAX(id) FROM event")
            rig.serve.start()
    storm = time.monotonic() - begun
    rig.targets.set_all(True)
    if not rig.serve.alive():
        rig.start()
    elif not rig.serve.wait_ready(60):  # SIGTERM is only handled once it serves
        raise RuntimeError("serve did not start after the storm")
    time.sleep(3)  # at least one check of every monitor by this last engine
    settled = rig.settle(args.settle)
    rows, examples = storm_rows(rig.store, rig.receiver)
    bad_terms = [c for c in term_codes if c != 0]
    rows = [Row("kills (SIGKILL) / SIGTERMs / starts / flips", f"{kills} / {terms} / {rig.serve.starts} / {flips}"),
            Row("storm seconds", f"{storm:.0f}"),
            Row("SIGTERMs in the storm: exit code not 0 / hung", len(bad_terms), bool(bad_terms)),
            Row("serve exits not caused by the bench", len(died), bool(died))] + rows
    rows += rig.finish(settle=-1 if settled is None else settled)
    for name, values in examples.items():
        if values:
            print(f"  [{rig.store.label}] e.g. {name}: {values}")
    return rows


def run_one(scenario: str, kind: str, args) -> list[Row]:
    """One scenario on one database, in a temporary directory removed afterwards."""
    from bench import fault_scenarios

    with tempfile.TemporaryDirectory(prefix="uptime-faults-") as tmp:
        directory = Path(tmp)
        monitors = args.monitors if scenario == "storm" else min(args.monitors, 20)
        rig = None
        try:
            extra = fault_scenarios.rig_options(scenario)
            rig = Rig(kind, monitors, directory, **extra)
            print(f"[{scenario} on {rig.store.label}] running ...", flush=True)
            if scenario == "storm":
                return kill_storm(rig, args)
            return fault_scenarios.run(scenario, rig, args)
        except Exception as exc:  # report it and go on with the next database
            if not isinstance(exc, RuntimeError):
                traceback.print_exc()
            print(f"[{scenario} on {kind}] could not run: {exc}")
            error = first_error(directory / "serve.log")
            return [Row("could not run", str(exc)[:40], True)] + ([Row("first error", error[:40])] if error else [])
        finally:
            if rig is not None:
                if args.keep:
                    kept = Path(tempfile.mkdtemp(prefix=f"uptime-faults-{scenario}-{kind}-"))
                    for name in ("serve.log", "faults.yaml"):
                        if (directory / name).exists():
                            (kept / name).write_bytes((directory / name).read_bytes())
                    print(f"  kept the log and config in {kept}")
                rig.close()
            stop_all()


def postgres_unreachable() -> str | None:
    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL at {PG_URL} is not reachable: {str(exc).strip()}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--scenario", choices=SCENARIOS + ("all",), default="storm")
    parser.add_argument("--kills", type=int, default=20, help="storm: SIGKILLs (default 20)")
    parser.add_argument("--terms", type=int, default=12,
                        help="storm: graceful restarts (SIGTERM) too, aimed at the bursts after the flips (default 12)")
    parser.add_argument("--seed", type=int, default=1, help="storm: seed of the kill moments (default 1)")
    parser.add_argument("--cycles", type=int, default=2, help="storm: down/up cycles of all targets (default 2)")
    parser.add_argument("--monitors", type=int, default=50, help="storm: monitors (others use up to 20)")
    parser.add_argument("--settle", type=float, default=90.0, help="seconds to wait for every incident to resolve")
    parser.add_argument("--keep", action="store_true", help="keep each run's serve log and config")
    parser.add_argument("--code", default="tree", metavar="REV",
                        help="the code to run: 'tree' (default: a copy of the working tree taken at the start) "
                             "or a git revision such as HEAD (read with git archive)")
    args = parser.parse_args()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` kills the children

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and (why := postgres_unreachable()):
        if args.db == "postgres" or args.scenario == "pg-outage":
            print(why)
            return 2
        print(f"{why}; PostgreSQL skipped")
        kinds.remove("postgres")
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    failed = False
    code_dir = tempfile.TemporaryDirectory(prefix="uptime-faults-code-")
    try:
        try:
            print(f"code under test: {snapshot_code(Path(code_dir.name), args.code)}", flush=True)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"cannot take the code to run: {exc}")
            return 2
        for scenario in scenarios:
            here = [k for k in kinds if {"pg-outage": "postgres", "sqlite-lock": "sqlite"}.get(scenario, k) == k]
            if not here:
                print(f"\n[{scenario}] skipped: it needs {'PostgreSQL' if scenario == 'pg-outage' else 'SQLite'}")
                continue
            results = [run_one(scenario, kind, args) for kind in here]
            title = {"storm": f"kill storm: {args.monitors} monitors, {args.kills} kills, {args.cycles} "
                              f"down/up cycles, seed {args.seed}"}.get(scenario, scenario)
            failed |= print_table(title, [{"sqlite": "SQLite", "postgres": "PostgreSQL"}[k] for k in here], results)
    finally:
        stop_all()
        code_dir.cleanup()
    print("\nFAIL: an invariant is broken (rows marked FAIL)" if failed else "\nall invariants held")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
