"""File descriptors: the engine's own budget, so no client of the listener can starve the checks.

Every check needs a socket (two for TLS and DNS at times), the database and logs need a few, and
every connection to the listener holds one. With systemd's default soft limit of 1,024, 1,100
idle connections to the listener once made every check fail with "Too many open files": a false
outage of every monitor. So at start the soft limit is raised toward the hard one, checks get a
reserve, and the listener may hold at most what is left (halved, for what we did not count).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

OWN_USE = 64  # the database, logs, the notifier's clients, the config watcher, threads' pipes
LISTENER_MAX = 1000  # connections, however many descriptors there are
SOFT_LIMIT_MAX = 1 << 20  # some hard limits are "unlimited": no need for more than this


@dataclass(frozen=True)
class DescriptorBudget:
    """The limits the engine runs under, logged at start."""

    soft_before: int
    soft: int
    hard: int
    reserved_for_checks: int
    listener_connections: int

    def describe(self) -> str:
        """One log line."""
        raised = f"raised from {self.soft_before} to {self.soft}" if self.soft != self.soft_before else f"{self.soft}"
        return (f"file descriptors: soft limit {raised}, hard limit {self.hard}; {self.reserved_for_checks} "
                f"reserved for checks, at most {self.listener_connections} listener connections")


def plan(concurrent_checks: int) -> DescriptorBudget:
    """Raise the soft limit as far as allowed and share it out (call once, at start)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not a POSIX system
        return DescriptorBudget(1024, 1024, 1024, 2 * concurrent_checks, LISTENER_MAX)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = SOFT_LIMIT_MAX if hard == resource.RLIM_INFINITY else min(hard, SOFT_LIMIT_MAX)
    raised = soft
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            raised = wanted
        except (ValueError, OSError) as exc:
            log.warning("could not raise the file descriptor limit from %d to %d: %s", soft, wanted, exc)
    effective = SOFT_LIMIT_MAX if raised == resource.RLIM_INFINITY else raised
    shown_hard = -1 if hard == resource.RLIM_INFINITY else hard
    reserve = 2 * concurrent_checks + OWN_USE
    listener = max(8, min(LISTENER_MAX, (effective - reserve) // 2))
    return DescriptorBudget(soft, effective, shown_hard, reserve, listener)

