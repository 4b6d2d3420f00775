"""Probes: one module per monitor type, each turning a `config.Monitor` into a `CheckResult`."""

from uptime_tui.checks.result import CheckResult

__all__ = ["CheckResult"]
