"""The console's keys, in one table: its bindings, the help screen and the command palette."""

KEYS = [
    ("a", "acknowledge", "Acknowledge", "Acknowledge the selected incident (its whole group when grouped)"),
    ("s", "snooze", "Snooze", "Snooze the selected incident: 15m, 1h, 4h, 8h, 24h or custom"),
    ("r", "resolve", "Resolve", "Resolve the selected incident, with a reason"),
    ("o", "reopen", "Reopen", "Reopen the selected resolved incident"),
    ("p", "pause", "Pause/resume", "Pause or resume the selected monitor or heartbeat"),
    ("L", "audit_log", "Audit log", "Show the audit log (filter, export to CSV)"),
    ("question_mark", "help", "Help", "List every key"),
    ("q", "quit", "Quit", "Quit the console (an engine it runs passes to a standby or another console)"),
]
