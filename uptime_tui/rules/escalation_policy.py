"""Escalation policies: which notification of a policy is due for an incident, and when. Pure.

A policy is a list of steps, each with a `wait` and the channels it notifies. The first step is
due `wait` after the incident started; each later step `wait` after the step before it. After
the last step the policy starts over after `repeat_delay`, `repeat` more times. The engine
stores how many steps were notified (`escalation_level`, which survives restarts) and when the
last one was (`escalated_at`), and asks `due()` on a timer.

An acknowledged incident escalates no further. A snoozed one waits; when the snooze ends with
the incident still open, the step notified last is notified again (a reminder that the snooze is
over) and the next step waits its full `wait` from then. Once every step and repeat is spent, a
policy with a `reminder` notifies the last step again every `reminder` while the incident stays
open and unacknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an incident stands in its policy."""

    started_at: datetime
    level: int = 0  # steps notified so far, across repeats
    escalated_at: datetime | None = None
    acknowledged: bool = False
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """A notification the policy calls for now."""

    level: int  # the level to store once notified
    step: int  # index into policy.steps
    channels: tuple[str, ...]
    reason: str
    snooze_ended: bool = False


def due(policy, progress: Progress, now: datetime) -> Due | None:
    """The notification due at `now`, if any (`policy` None: only a snooze can end)."""
    if progress.acknowledged:
        return None
    if progress.snoozed_until is not None:
        if now < progress.snoozed_until:
            return None
        last = _last_step(policy, progress.level)
        channels = policy.steps[last].channels if last is not None else ()
        return Due(progress.level, last or 0, channels, "snooze ended, still open", snooze_ended=True)
    if policy is None or not policy.steps:
        return None
    steps = len(policy.steps)
    if progress.level >= steps * (policy.repeat + 1):
        return _reminder(policy, progress, now)
    index, cycle = progress.level % steps, progress.level // steps
    if progress.level == 0 or progress.escalated_at is None:
        wait, since = policy.steps[0].wait, progress.started_at
    else:
        wait = policy.repeat_delay if index == 0 else policy.steps[index].wait
        since = progress.escalated_at
    if now < since + timedelta(seconds=wait):
        return None
    repeat = f", repeat {cycle} of {policy.repeat}" if cycle else ""
    reason = f"policy {policy.id}: step {index + 1} of {steps}{repeat}, still unacknowledged"
    return Due(progress.level + 1, index, policy.steps[index].channels, reason)


def _reminder(policy, progress: Progress, now: datetime) -> Due | None:
    every = policy.reminder
    if not every or progress.escalated_at is None or now < progress.escalated_at + timedelta(seconds=every):
        return None
    last = len(policy.steps) - 1
    minutes = int((now - progress.started_at).total_seconds() // 60)
    return Due(progress.level, last, policy.steps[last].channels,
               f"reminder: still open and unacknowledged after {minutes} min")


def _last_step(policy, level: int) -> int | None:
    """The step notified last, None when none was."""
    if policy is None or not policy.steps or level == 0:
        return None
    return (level - 1) % len(policy.steps)
