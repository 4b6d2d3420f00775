"""Pure: is a monitor or heartbeat inside one of its maintenance windows at a given time?"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim

from uptime_tui.config.model import MaintenanceWindow


def window_active(window: MaintenanceWindow, now: datetime) -> bool:
    """Whether `window` covers `now` (aware)."""
    if window.start is not None and window.end is not None:
        return window.start <= now < window.end
    if window.schedule is None or window.duration is None:
        return False
    # The latest scheduled start that could still cover `now` is after now - duration; cronsim
    # walks the schedule in the window's own zone, so DST shifts the wall-clock times correctly.
    zone = ZoneInfo(window.timezone)
    since = (now - timedelta(seconds=window.duration)).astimezone(zone)
    for start in CronSim(window.schedule, since.replace(microsecond=0)):
        if start > now:
            return False
        if now < start + timedelta(seconds=window.duration):
            return True
    return False  # pragma: no cover - CronSim is endless


def applies_to(window: MaintenanceWindow, resource_id: str, tags) -> bool:
    """Whether `window` names the resource, by id or by one of its tags."""
    return resource_id in window.monitors or bool(set(window.tags) & set(tags))


def in_maintenance(windows, resource_id: str, tags, now: datetime) -> bool:
    """Whether any window covers this resource now."""
    return any(applies_to(w, resource_id, tags) and window_active(w, now) for w in windows)
