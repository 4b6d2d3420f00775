"""Maintenance windows: one-off and recurring (cron in a time zone), by id and by tag."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from uptime_tui.config import MaintenanceWindow
from uptime_tui.rules.maintenance import in_maintenance, window_active

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_one_off_window():
    window = MaintenanceWindow("w", monitors=("db",), start=utc(2026, 12, 1, 2), end=utc(2026, 12, 1, 3))
    assert not window_active(window, utc(2026, 12, 1, 1, 59))
    assert window_active(window, utc(2026, 12, 1, 2))
    assert not window_active(window, utc(2026, 12, 1, 3))


def test_recurring_window_in_its_time_zone():
    # Sundays 03:00-04:00 Berlin time = 02:00-03:00 UTC in winter.
    window = MaintenanceWindow("w", tags=("db",), schedule="0 3 * * SUN", duration=3600, timezone="Europe/Berlin")
    assert window_active(window, utc(2026, 11, 29, 2, 30))  # a Sunday
    assert not window_active(window, utc(2026, 11, 29, 3, 0))
    assert not window_active(window, utc(2026, 11, 28, 2, 30))  # Saturday
    # Summer time: 03:00 Berlin = 01:00 UTC.
    assert window_active(window, utc(2026, 7, 5, 1, 30))
    assert not window_active(window, utc(2026, 7, 5, 2, 30))


def test_window_applies_by_id_or_tag():
    window = MaintenanceWindow("w", monitors=("api",), tags=("db",), start=utc(2026, 1, 1), end=utc(2027, 1, 1))
    now = utc(2026, 6, 1)
    assert in_maintenance([window], "api", (), now)
    assert in_maintenance([window], "pg", ("db", "eu"), now)
    assert not in_maintenance([window], "web", ("web",), now)
