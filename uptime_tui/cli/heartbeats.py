"""`uptime-tui heartbeats`: every heartbeat with its ping URL and the curl line a job runs.

A heartbeat without a `token` in the YAML gets one generated when the engine first syncs it, and
that token lives only in the database: this command is where a person finds it. The URL is built
from `settings.public_url` (how jobs reach the listener, through a proxy say), or else from the
listener's own address. It prints tokens on purpose: whoever can read the database has them.
"""

from __future__ import annotations

from uptime_tui.ping_urls import curl_line, ping_url, slug_url


def add_parser(commands, common_options) -> None:
    """Register `heartbeats` on the CLI's subcommands."""
    listing = commands.add_parser(
        "heartbeats", help="list heartbeats with their ping URLs",
        description="Every heartbeat of the config with what it expects, its state, its last ping "
        "and its ping URL, then the curl line to put at the end of the job.")
    common_options(listing, top_level=False)


def run(args, open_store) -> int:
    """Print the heartbeats; `open_store(args)` gives (config, database) or an exit code."""
    from uptime_tui.cli.exits import EXIT_OK
    from uptime_tui.queries.heartbeat_list import stored_heartbeats
    from uptime_tui.rules.heartbeat_machine import expectation

    opened = open_store(args)
    if isinstance(opened, int):
        return opened
    config, database = opened
    try:
        rows = stored_heartbeats()
    finally:
        database.close()
    if not config.heartbeats:
        print("no heartbeats in the config")
        return EXIT_OK
    print(f"{'ID':<16} {'NAME':<24} {'EXPECTS':<40} {'STATUS':<8} {'LAST PING':<18} PING URL")
    for heartbeat in config.heartbeats:
        row = rows.get(heartbeat.id)
        token = heartbeat.token or (row.token if row is not None else None)
        state = row.state if row is not None else None
        status = "paused" if row is not None and row.paused else (state.status if state else "new")
        last = state.last_ping_at.strftime("%Y-%m-%d %H:%MZ") if state and state.last_ping_at else "-"
        url = ping_url(config.settings, token) if token else "(generated when the engine first starts)"
        expects = expectation(heartbeat.period, heartbeat.schedule, heartbeat.timezone, heartbeat.grace)
        print(f"{heartbeat.id[:16]:<16} {heartbeat.name[:24]:<24} {expects:<40} "
              f"{status:<8} {last:<18} {url}")
    if config.settings.ping_key:
        print("\nBy slug (settings.ping_key):")
        for heartbeat in config.heartbeats:
            print(f"  {heartbeat.id[:16]:<16} {slug_url(config.settings, heartbeat)}")
    example = next((h for h in config.heartbeats if h.token or h.id in rows), None)
    if example is not None:
        token = example.token or rows[example.id].token
        print(f"\nAt the end of the job ({example.id}):\n"
              f"  curl -fsS -m 10 --retry 5 {ping_url(config.settings, token)}\n"
              f"or, to report its exit status and output:\n"
              f"  {curl_line(config.settings, token)}")
    return EXIT_OK
