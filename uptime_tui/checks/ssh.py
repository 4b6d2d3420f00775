"""ssh monitors: the server's banner and host key, read during the handshake, without logging in.

asyncssh's `get_server_host_key` gives the key but drops the connection it read the banner on,
so the probe connects with a client that stops where authentication would begin: by then the key
exchange is done, the banner and the host key are known, and not one credential has been offered
(the server logs a connection closed before authentication, as for `ssh-keyscan`).

asyncssh is imported where a check needs it: config loading reads the spec here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, described, port, shown, text

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

# `ssh-keygen -lf` prints a SHA256 fingerprint as unpadded base64 of the 32-byte digest.
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")
PROBE_USER = "uptime-tui"  # named in the server's log; never authenticated


@described({"type": "string", "pattern": r"^SHA256:[A-Za-z0-9+/]{43}=?$",
            "patternErrorMessage": "a fingerprint as ssh-keygen -lf prints it: SHA256:...",
            "description": "The host key's SHA256 fingerprint, as ssh-keygen -lf prints it (SHA256:...)"})
def host_key(value: Any) -> str:
    """SHA256:<43 base64 characters>, as `ssh-keygen -lf` prints it."""
    fingerprint = text(value).strip()
    if not _FINGERPRINT.fullmatch(fingerprint):
        raise ValueError(f"expected a fingerprint such as SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"
                         f" (ssh-keygen -lf prints it), got {shown(fingerprint)}")
    return fingerprint


@dataclass(frozen=True)
class SshSpec:
    """The server whose banner and host key are read, and the key it must present."""

    host: str | None  # None only in a config refused for it
    port: int = 22
    host_key: str | None = None  # SHA256:...; None: any key passes

    @property
    def target(self) -> str:
        return f"ssh {self.host}:{self.port}"

    @property
    def payload_type(self) -> str:
        return "tcp"  # Better Stack has no ssh monitor; a port that answers is the nearest


def read(r: Reader, m: dict, path: tuple) -> SshSpec:
    """An ssh monitor's host (required), port and expected host key."""
    host = r.get(m, path, "host", hostname)
    if host is None and "host" not in m:
        r.problem(path, "'host' is required for an ssh monitor")
    return SshSpec(host, r.get(m, path, "port", port, 22), r.get(m, path, "host_key", host_key))


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Key exchange with the server; record its banner and host key; compare the key when given."""
    import asyncssh

    spec: SshSpec = monitor.spec
    if not spec.host:
        seen.failed("no host configured")
        return
    found: dict[str, Any] = {}

    class _StopBeforeAuth(asyncssh.SSHClient):
        def connection_made(self, conn) -> None:
            self.conn = conn

        def begin_auth(self, username: str) -> None:
            key = self.conn.get_server_host_key()
            found["banner"] = self.conn.get_extra_info("server_version")
            found["host_key"] = key.get_fingerprint("sha256") if key is not None else None
            self.conn.abort()  # before the first authentication request is sent

    started = time.perf_counter()
    try:
        conn = await asyncssh.connect(
            spec.host, spec.port, username=PROBE_USER, client_factory=_StopBeforeAuth,
            known_hosts=None, config=None, agent_path=None, client_keys=None, password=None,
            gss_auth=False, connect_timeout=None,  # run_check's timeout bounds the whole check
        )
        conn.abort()
    except (asyncssh.Error, ConnectionError) as exc:
        if "banner" not in found:  # our own abort may surface as a lost connection: only that is fine
            if isinstance(exc, asyncssh.Error):
                seen.failed(f"SSH error: {exc.reason}")
                return
            raise
    seen.ttfb_ms = (time.perf_counter() - started) * 1000
    seen.facts["connected"] = True
    seen.facts["banner"] = found["banner"]
    if found["host_key"] is not None:
        seen.facts["host_key"] = found["host_key"]
    _judge(spec, found["host_key"], seen)


def _judge(spec: SshSpec, fingerprint: str | None, seen: Observation) -> None:
    if spec.host_key is None:
        seen.passed()
    elif fingerprint is None:
        seen.failed(f"the server presented no host key, expected {spec.host_key}")
    elif fingerprint.rstrip("=") != spec.host_key.rstrip("="):
        seen.failed(f"host key {fingerprint} differs from the expected {spec.host_key}")
    else:
        seen.passed()


SSH = MonitorType("ssh", ("host", "port", "host_key"), read, probe,
                  facts=("connected", "banner", "host_key"), requires=(("asyncssh", "ssh"),))
