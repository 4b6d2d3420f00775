"""Benchmarks of the check path, each printed beside a baseline measured in the same run.

    python bench/checks.py            # same as --peak
    python bench/checks.py --peak --seconds 10 --concurrency 50

--peak: how many http checks per second one core can run, and the client CPU each costs. A tiny
local HTTP server runs in its own process pinned to CPU 0; this process pins itself to CPU 1 and
measures (a) a minimal asyncio client (open_connection, GET, status line, close) and (b) our
`run_check` on http monitors, each check on a fresh connection as real checks are, over the
chosen transport and, for reference, over httpx's default one. Repeat runs vary by 20-30%:
compare the figures of one run, as ratios (PERFORMANCE.md).

Each section is one function returning `Figures`; new sections (--sustained, --sqlite) add a
function and a flag in main().
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout too

from uptime_tui.checks import ProbeClient, run_check  # noqa: E402
from uptime_tui.config import Monitor  # noqa: E402

SERVER_CPU, CLIENT_CPU = 0, 1
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
TARGET_RATIO = 0.25


@dataclass
class Figures:
    """What one measurement counted."""

    label: str
    checks: int
    failures: int
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU

    @property
    def rate(self) -> float:
        """Successful checks per second."""
        return self.checks / self.wall

    @property
    def cpu_ms_per_check(self) -> float:
        """Client CPU milliseconds per successful check."""
        return self.cpu / max(self.checks, 1) * 1000


# --- the target server (its own process, CPU 0) ----------------------------------------------


class _Answer(asyncio.Protocol):
    """Answer one request with a fixed 200 and close: as cheap as a server gets in asyncio."""

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        if b"\r\n\r\n" in self.buffer:
            self.transport.write(RESPONSE)
            self.transport.close()


def _serve(port_pipe) -> None:
    """Process entry: pin to SERVER_CPU, listen on 127.0.0.1, send the port, serve forever."""
    _pin(SERVER_CPU)

    async def main():
        server = await asyncio.get_running_loop().create_server(_Answer, "127.0.0.1", 0, backlog=4096)
        port_pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def start_server() -> tuple[multiprocessing.Process, int]:
    """Start the target server process; return it and its port."""
    context = multiprocessing.get_context("spawn")  # no inherited loop, threads or pins
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(sender,), daemon=True)
    process.start()
    if not receiver.poll(30):
        process.kill()
        raise RuntimeError("the benchmark server did not start")
    return process, receiver.recv()


def _pin(cpu: int) -> None:
    """Pin this process to one CPU where the machine has it, so client and server don't share."""
    if hasattr(os, "sched_setaffinity") and cpu in os.sched_getaffinity(0) and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {cpu})


def _process_cpu_seconds(pid: int) -> float:
    """utime + stime of another process, from /proc (0.0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- measurements ----------------------------------------------------------------------------


async def _run_workers(label: str, one_check, concurrency: int, seconds: float) -> Figures:
    """Run `one_check()` (True on success) from `concurrency` workers for `seconds`."""
    counts = {"ok": 0, "failed": 0}
    deadline = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < deadline:
            counts["ok" if await one_check() else "failed"] += 1

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(label, counts["ok"], counts["failed"], time.perf_counter() - wall, time.process_time() - cpu)


async def measure_baseline(port: int, concurrency: int, seconds: float) -> Figures:
    """(a) The floor: open_connection, send GET, read the status line, close."""

    async def one_check() -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(REQUEST)
            status = await reader.readline()
            writer.close()
            return status.startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    await _run_workers("warm-up", one_check, concurrency, 0.5)
    return await _run_workers("baseline: asyncio open_connection", one_check, concurrency, seconds)


async def measure_probe(port: int, concurrency: int, seconds: float, transport: str) -> Figures:
    """(b) Our path: run_check on an http monitor, a fresh connection per check."""
    monitor = Monitor(id="bench", name="bench", type="http", url=f"http://127.0.0.1:{port}/", timeout=10.0)
    async with ProbeClient(transport=transport) as client:

        async def one_check() -> bool:
            return (await run_check(monitor, client, "bench")).success

        await _run_workers("warm-up", one_check, concurrency, 0.5)
        return await _run_workers(f"run_check over {transport}", one_check, concurrency, seconds)


# --- reporting -------------------------------------------------------------------------------


def _report(figures: Figures, baseline: Figures | None, server_busy: float) -> None:
    line = (
        f"  {figures.label:<38} {figures.rate:8,.0f} checks/s  {figures.cpu_ms_per_check:6.3f} ms CPU/check"
        f"  server CPU {server_busy:4.0%}"
    )
    if figures.failures:
        line += f"  ({figures.failures} failed)"
    if baseline is not None:
        ratio = figures.rate / baseline.rate
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        line += f"  ratio {ratio:.2f} ({verdict} target {TARGET_RATIO})"
    print(line, flush=True)


async def peak(port: int, server_pid: int, concurrency: int, seconds: float, transports: list[str]) -> None:
    """--peak: the baseline, then run_check over each transport, all against one server."""
    print(
        f"peak: {concurrency} concurrent, {seconds:g} s each, loopback, "
        f"server pinned to CPU {SERVER_CPU}, client to CPU {CLIENT_CPU}, Python {sys.version.split()[0]}"
    )
    baseline = None
    for transport in [None, *transports]:
        server_cpu = _process_cpu_seconds(server_pid)
        if transport is None:
            figures = await measure_baseline(port, concurrency, seconds)
        else:
            figures = await measure_probe(port, concurrency, seconds, transport)
        server_busy = (_process_cpu_seconds(server_pid) - server_cpu) / (figures.wall + 0.5)
        _report(figures, baseline, server_busy)
        baseline = baseline or figures


def main(argv: list[str] | None = None) -> None:
    """Parse the flags and run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peak", action="store_true", help="peak checks/s against a local server (default)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement")
    parser.add_argument("--concurrency", type=int, default=50, help="checks in flight at once")
    parser.add_argument(
        "--transport", action="append", choices=["aiohttp", "httpcore"],
        help="transport(s) for run_check; default: both, the chosen one (aiohttp) first",
    )
    args = parser.parse_args(argv)
    transports = args.transport or ["aiohttp", "httpcore"]

    server, port = start_server()
    _pin(CLIENT_CPU)
    try:
        asyncio.run(peak(port, server.pid, args.concurrency, args.seconds, transports))
    finally:
        server.kill()
        server.join(5)


if __name__ == "__main__":
    main()
