"""Notifications: a durable outbox, delivered through channel kinds (signed raw webhooks, Apprise).

The engine's side of it is this narrow interface:

- `enqueue(config, events, now) -> int`: call INSIDE the transaction that stores the events
  (engine/step_store.py `store_events`), with `events` a list of `(Event row, payload dict)`; it
  routes each event to channels, applies the noise rules that can be decided then (snoozed,
  maintenance, flapping, group members held back to be folded) and inserts `NotificationDelivery`
  rows. Returns how many rows it wrote; after the transaction commits, `Notifier.wake()` makes the
  loop look at once (otherwise it looks every second). Incidents must already carry their
  `group_id` and `snoozed_until` when it is called.
- `enqueue_audit(config, entry, now=None) -> int`: the same for an audit entry; the Notifier
  subscribes it to `store.auditlog.AFTER_APPEND` while it runs.
- `Notifier(config, database, writer, clock=utcnow, *, options=None)`, with `async start()`,
  `async stop()`, `reload(config)`, `wake()` and `async send_test(channel_id) -> Outcome`: the
  delivery loop on the engine's event loop; reads on a thread of its own, writes through
  `writer.run_async` (or, with `writer=None` as in the CLI, in a transaction of its own).
- `outbox.list_deliveries(...)` and `outbox.channel_states()`: what `notify list` and the console show.

Modules: `routing` (pure: who hears what, what stays quiet), `plan` (pure: storm limit, digest or
not, retry and give-up), `render` (pure: webhook bodies, Apprise text, digests), `outbox` (rows
and queries), `channels` (one module per channel kind: its settings, description, secrets and
sender, and the registry), `sending` (an attempt, dispatched by kind), `delivery` (the loop),
`redact`.

The exports load lazily: config loading reads channel settings through `notify.channels` and
must not bring the outbox (peewee) with it; the engine enqueues inside its transactions and must
not import the HTTP and Apprise clients that delivery brings (only the runtime, which delivers).
"""

from importlib import import_module

_LAZY = {
    "Notifier": "uptime_tui.notify.delivery",
    "NotifierOptions": "uptime_tui.notify.delivery",
    "Outcome": "uptime_tui.notify.delivery",
    "enqueue": "uptime_tui.notify.outbox",
    "enqueue_audit": "uptime_tui.notify.outbox",
    "RetryPolicy": "uptime_tui.notify.plan",
}

__all__ = ["Notifier", "NotifierOptions", "Outcome", "RetryPolicy", "enqueue", "enqueue_audit"]


def __getattr__(name: str):
    """Import an export's module on first use."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
