"""The range of every duration and number in the config, and how big a config file may grow.

Every value here ends up in timedelta and datetime arithmetic or in a loop, far from the file it
came from: `.nan` as an interval made a monitor run back to back, and `99999999999w` as a group
window made every grouped failure raise OverflowError. A value outside these ranges is a typo or
an attack, never an intent, so the validator refuses it with its line and column. The ranges are
inclusive and chosen as an on-call engineer would expect them.

The size limits keep a hostile file (an alias bomb, deep nesting, megabytes of garbage) from
costing more than a moment to refuse, in `check-config` and in the running engine's watcher.
"""

from __future__ import annotations

MINUTE, HOUR, DAY = 60, 3600, 86400

# Durations, in seconds: (lowest, highest).
MONITOR_INTERVAL = (1, DAY)  # faster hammers the target; slower than daily is not monitoring
MONITOR_TIMEOUT = (0.1, 5 * MINUTE)  # and never longer than the monitor's interval
DEGRADED_AFTER = (0.001, 5 * MINUTE)  # a response time, so on the scale of the longest timeout
HEARTBEAT_PERIOD = (1, 365 * DAY)  # yearly jobs exist (Healthchecks allows up to 365 days too)
HEARTBEAT_GRACE = (0, 365 * DAY)
GROUP_WINDOW = (0, DAY)  # failures of one group starting this close together are one incident
CHANNEL_MIN_INTERVAL = (0, DAY)  # 0: no storm limit
CHANNEL_TIMEOUT = (0.1, 5 * MINUTE)
ESCALATION_WAIT = (0, 7 * DAY)  # an escalation later than a week is not an escalation
REPEAT_DELAY = (0, 7 * DAY)
REMINDER = (MINUTE, 7 * DAY)  # a reminder every few seconds is a flood, not a reminder
LEASE = (3, 10 * MINUTE)  # the engine lease: renewed every third of it; a standby waits this long
WINDOW_DURATION = (1, 31 * DAY)  # a recurring maintenance window; a freeze of a month at most

# Whole numbers: (lowest, highest).
CONFIRMATION = (1, 100)  # consecutive failed checks before down (and passed ones before up)
TLS_WARNING_DAYS = (0, 3650)
BURST = (1, 100)
POLICY_REPEAT = (0, 1000)
RETENTION_DAYS = (1, 36500)  # a century: `now - days` stays far inside datetime's range
PORT = (1, 65535)
PING_COUNT = (1, 10)  # echoes per check: ten at 0.2s apart still fit a short timeout
PING_MAX_LOSS = (0, 100)  # percent of a check's echoes that may go unanswered

# One-off maintenance windows: well inside datetime's range, so adding any duration above to
# them (and converting them to any time zone) can never overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999

# The file and the document it describes.
MAX_FILE_BYTES = 8 * 1024 * 1024  # a config of 10,000 monitors is 1 to 3 MiB
# Keys and values in the text, and values once aliases are expanded (which stops an alias "billion
# laughs" bomb, counted before it is expanded). 10,000 monitors written out in full have about
# 250,000; reading costs about 5 microseconds a value.
MAX_NODES = 1_000_000
MAX_DEPTH = 64  # a config is about 6 levels deep; this also stops a recursive alias (&a [*a])
MAX_PROBLEMS = 200  # reported per file; a refused file says how many more there were
