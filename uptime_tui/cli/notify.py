"""`uptime-tui notify`: send a test message to a channel, list recent deliveries and their state.

Channels are shown by id and redacted target (`apprise slack://****`, `webhook https://host/****`):
nothing this prints carries an Apprise URL, a webhook URL's path or a secret.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

STATES = ("pending", "sent", "failed")


def add_parser(commands, common_options) -> None:
    """Register `notify test` and `notify list` on the CLI's subcommands."""
    notify = commands.add_parser(
        "notify", help="test notification channels, list deliveries",
        description="Notification channels: send a test message, or list recent deliveries from "
        "the outbox with their state (pending, sent, failed), attempts and last error.",
    )
    common_options(notify, top_level=False)
    actions = notify.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    test = actions.add_parser("test", help="send a test message to a channel and print the outcome",
                              description="Send a test message to CHANNEL now (no retries) and print "
                              "whether it was delivered; exit 1 when it was not.")
    test.add_argument("channel", metavar="CHANNEL", help="a channel id from the config")
    common_options(test, top_level=False)
    listing = actions.add_parser("list", help="recent deliveries and their state",
                                 description="Deliveries per channel and state, then the most recent "
                                 "deliveries, newest first.")
    listing.add_argument("--state", choices=STATES, help="only deliveries in this state")
    listing.add_argument("--channel", metavar="ID", help="only this channel's deliveries")
    listing.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    common_options(listing, top_level=False)


def run(args, open_store) -> int:
    """Run `notify test` or `notify list`; `open_store(args)` gives (config, database) or an exit code."""
    from uptime_tui.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE

    opened = open_store(args)
    if isinstance(opened, int):
        return opened
    config, database = opened
    try:
        if args.notify_command == "test":
            known = {c.id for c in config.channels}
            if args.channel not in known:
                listed = ", ".join(sorted(known)) or "none configured"
                print(f"unknown channel '{args.channel}' (channels: {listed})", file=sys.stderr)
                return EXIT_USAGE
            outcome = _send_test(config, database, args.channel)
            said = outcome.detail if outcome.ok else f"FAILED: {outcome.detail}"
            print(f"{outcome.channel_id} ({outcome.target}): {said}")
            return EXIT_OK if outcome.ok else EXIT_FAILURE
        print_deliveries(config, args.state, args.channel, max(1, args.limit))
        return EXIT_OK
    finally:
        database.close()


def _send_test(config, database, channel_id: str):
    import asyncio

    from uptime_tui.notify import Notifier

    async def send():
        notifier = Notifier(config, database, writer=None)
        try:
            return await notifier.send_test(channel_id)
        finally:
            await notifier.close()

    return asyncio.run(send())


def print_deliveries(config, state: str | None, channel_id: str | None, limit: int, out=None) -> None:
    """The per-channel summary and the most recent deliveries, as a plain table."""
    from uptime_tui.notify.redact import Redactor, describe_channel
    from uptime_tui.queries import deliveries

    out = out or sys.stdout
    redact = Redactor.for_config(config)
    channels = {c.id: c for c in config.channels}
    counts = deliveries.channel_states()
    print(f"{'CHANNEL':<16} {'PENDING':>7} {'SENT':>7} {'FAILED':>7}  TARGET", file=out)
    for cid in list(channels) + sorted(set(counts) - set(channels)):
        c = counts.get(cid, {})
        target = describe_channel(channels[cid]) if cid in channels else "(no longer in the config)"
        print(f"{cid:<16} {c.get('pending', 0):>7} {c.get('sent', 0):>7} {c.get('failed', 0):>7}  {target}", file=out)
    rows = deliveries.recent_deliveries(state, channel_id, limit)
    print(file=out)
    if not rows:
        print("no deliveries" + (f" in state {state}" if state else "") + (f" for {channel_id}" if channel_id else ""), file=out)
        return
    print(f"{'ID':>7}  {'CREATED':<20} {'CHANNEL':<14} {'EVENT':<26} {'STATE':<8} {'TRIES':>5}  {'NEXT/SENT':<20} "
          f"KEY / LAST ERROR", file=out)
    for r in rows:
        when = r.sent_at if r.state == "sent" else (r.next_attempt_at if r.state == "pending" else None)
        note = r.key + (f" in {r.digest_key}" if r.digest_key else "")
        if r.last_error:
            note += f"  {redact(r.last_error)}"
        print(f"{r.id:>7}  {_time(r.created_at):<20} {r.channel[:14]:<14} {(r.event or '?')[:26]:<26} "
              f"{r.state:<8} {r.attempts:>5}  {_time(when):<20} {note}", file=out)


def _time(dt: datetime | None) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if dt else "-"
