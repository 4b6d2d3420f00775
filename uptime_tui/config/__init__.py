"""The YAML configuration: frozen dataclasses (`model`), loaded and validated in one pass (`loading`).

`schema` reads each section, `values` holds the value parsers (one duration grammar for the
YAML, the API, the audit filters and the snooze dialog), `limits` the ranges, `urls` the URL
rules, `yamltree` the YAML reader that keeps every value's line and column.
"""

from uptime_tui.config.model import (ApiKey, Channel, Config, ConfigInvalid, EscalationStep, Heartbeat,
                                     MaintenanceWindow, Monitor, Policy, Problem, Retention, Settings, slugify)
from uptime_tui.config.loading import find_config_path, load_config, parse_config  # after model: it needs it
from uptime_tui.config.values import duration

__all__ = [
    "ApiKey", "Channel", "Config", "ConfigInvalid", "EscalationStep", "Heartbeat",
    "MaintenanceWindow", "Monitor", "Policy", "Problem", "Retention", "Settings",
    "duration", "find_config_path", "load_config", "parse_config", "slugify",
]
