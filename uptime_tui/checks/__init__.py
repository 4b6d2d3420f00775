"""Monitor types: one module per type (its spec, validation, probe, target), and `registry`.

Use: `async with ProbeClient() as client: result = await run_check(monitor, client, region)`.
Adding a type: see `checks.monitor_type` and docs/development.md.

The probe exports load lazily: the pure domain (incidents, heartbeats, events) imports
`results` and must not drag httpx, aiohttp and dnspython in with it.
"""

from importlib import import_module

from uptime_tui.results import CheckResult

_LAZY = {
    "ProbeClient": "uptime_tui.checks.client",
    "run_check": "uptime_tui.checks.probe",
    "MAX_KEYWORD_BYTES": "uptime_tui.checks.http",
}

__all__ = ["CheckResult", "MAX_KEYWORD_BYTES", "ProbeClient", "run_check"]


def __getattr__(name: str):
    """Import a probe export on first use."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
