"""Pilot helpers for the console tests: bounded waits, what a pane shows, the toasts on screen."""

from uptime_tui.tui.widgets.pane_table import PaneTable


async def until(pilot, predicate, what="condition", tries=200, delay=0.03):
    """Wait, bounded, for something that arrives from a worker or the engine thread."""
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(delay)
    raise AssertionError(f"timed out waiting for {what}")


def lines(table: PaneTable) -> list[str]:
    """What a pane shows, line by line."""
    return ["".join(s.text for s in table.render_line(y)) for y in range(table.size.height)]


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]
