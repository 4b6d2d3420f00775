"""uptime-tui: a terminal uptime console for on-call engineers."""

__version__ = "0.1.0"
