"""The shape of each config section, and the checks that span sections (references, ids).

Every duration and number is read within its range from `config.limits`. A monitor's
type-specific settings are read by its type's module and a channel's kind-specific settings by
its kind's module, found through their registries: `checks.registry` and `notify.channels`.
Those two imports point up the layers (values -> checks, notify), the accepted exception to the
import contract: the registries and their modules are importable without the network libraries
(see `checks.monitor_type`, `notify.channels.kind`), so loading a config stays cheap. They are
imported where they are used: a type's module imports config's parsers, so importing it first
must not find this module half-loaded.
"""

from __future__ import annotations

import difflib
from typing import Any

from uptime_tui.config import model as c
from uptime_tui.config import limits
from uptime_tui import events
from uptime_tui.config.urls import http_url, listen_address, slug, url_token
from uptime_tui.config.values import (
    Reader, boolean, cron, duration_in, identifier, integer, one_of, text, text_list, timezone, window_time_in,
)

SECTIONS = ("settings", "monitors", "heartbeats", "channels", "policies", "maintenance", "api_keys")


def read_config(r: Reader, value: Any, source: str) -> c.Config | None:
    """The whole file -> Config (None when there were problems; they are in `r.problems`)."""
    if value is None:
        value = {}
    root = r.mapping(value, (), SECTIONS)
    if root is None:
        return None
    channels = _section(r, root, "channels", _channel)
    policies = _section(r, root, "policies", _policy)
    monitors = _section(r, root, "monitors", _monitor)
    heartbeats = _section(r, root, "heartbeats", _heartbeat)
    maintenance = _section(r, root, "maintenance", _maintenance)
    api_keys = _section(r, root, "api_keys", _api_key, key="name")
    settings = _settings(r, root.get("settings"), ("settings",))
    _check_references(r, root, channels, policies, monitors, heartbeats, maintenance)
    _check_tokens(r, root)
    _check_slugs(r, root, settings, heartbeats)
    if r.problems:
        return None
    return c.Config(source, settings, monitors, heartbeats, channels, policies, maintenance, api_keys)


ENTRY_LABELS = {"channels": "channel", "policies": "policy", "monitors": "monitor",
                "heartbeats": "heartbeat", "maintenance": "window", "api_keys": "API key"}


def _section(r: Reader, root: dict, name: str, read_one, key: str = "id") -> tuple:
    entries = r.items(root.get(name), (name,))
    r.unique(entries, (name,), ENTRY_LABELS[name], key)
    parsed = (read_one(r, entry, (name, i)) for i, entry in enumerate(entries))
    return tuple(p for p in parsed if p is not None)


def _settings(r: Reader, value: Any, path: tuple) -> c.Settings:
    if value is None:
        return c.Settings()
    allowed = ("database", "region", "operator", "organization_id", "team_id", "listen", "retention",
               "group_window", "ping_key", "public_url", "lease", "console_token_file",
               "metrics_public")
    m = r.mapping(value, path, allowed)
    if m is None:
        return c.Settings()
    host, listen_port = r.get(m, path, "listen", listen_address, c.DEFAULT_LISTEN)
    return c.Settings(
        database=r.get(m, path, "database", text),
        region=r.get(m, path, "region", text, "local"),
        operator=r.get(m, path, "operator", text),
        organization_id=r.get(m, path, "organization_id", text, ""),
        team_id=r.get(m, path, "team_id", text, ""),
        listen_host=host,
        listen_port=listen_port,
        retention=_retention(r, m.get("retention"), path + ("retention",)),
        group_window=r.get(m, path, "group_window", duration_in(limits.GROUP_WINDOW), 120.0),
        # It unlocks every heartbeat by a slug anyone may guess: as long as an API token.
        ping_key=r.get(m, path, "ping_key", url_token(16)),
        public_url=r.get(m, path, "public_url", http_url),
        lease=r.get(m, path, "lease", duration_in(limits.LEASE), 15.0),
        console_token_file=r.get(m, path, "console_token_file", text),
        metrics_public=r.get(m, path, "metrics_public", boolean, False),
    )


def _retention(r: Reader, value: Any, path: tuple) -> c.Retention:
    if value is None:
        return c.Retention()
    m = r.mapping(value, path, ("check_results", "rollups", "incidents", "audit"))
    if m is None:
        return c.Retention()
    days = integer(*limits.RETENTION_DAYS)
    return c.Retention(
        check_results=r.get(m, path, "check_results", days, 7),
        rollups=r.get(m, path, "rollups", days, 365),
        incidents=r.get(m, path, "incidents", days, 30),
        audit=r.get(m, path, "audit", days, 365),
    )


MONITOR_KEYS = (
    "id", "name", "type", "interval", "timeout", "confirmation", "recovery", "degraded_after", "tags", "group",
    "channels", "policy", "paused", "conditions",
)


def _monitor(r: Reader, value: Any, path: tuple) -> c.Monitor | None:
    from uptime_tui.checks import registry as monitor_types  # up the layers: see the docstring

    m = r.mapping(value, path, MONITOR_KEYS + monitor_types.type_keys(), required=("id", "type"))
    if m is None:
        return None
    kind = r.get(m, path, "type", one_of(*monitor_types.TYPES))
    monitor_type = monitor_types.TYPES.get(kind)
    spec = monitor_type.read(r, m, path) if monitor_type is not None else None
    if monitor_type is not None:
        _check_driver(r, monitor_type, path + ("type",))
    if monitor_type is not None:  # another type's key would be ignored: `keyword` on http checks nothing
        for key in m:
            if key not in MONITOR_KEYS and key not in monitor_type.keys:
                owners = [t.name for t in monitor_types.TYPES.values() if key in t.keys]
                if not owners:
                    continue  # an unknown key: the mapping reported it
                listed = ", ".join(owners[:-1]) + " and " + owners[-1] if len(owners) > 1 else owners[0]
                r.problem(path + (key,), f"not a setting of {kind} monitors, only of {listed} monitors")
    monitor_id = r.get(m, path, "id", identifier)
    interval = r.get(m, path, "interval", duration_in(limits.MONITOR_INTERVAL), 60.0)
    timeout = r.get(m, path, "timeout", duration_in(limits.MONITOR_TIMEOUT), min(10.0, interval))
    if timeout > interval:
        r.problem(path + ("timeout",), f"timeout ({timeout:g}s) must not exceed the interval ({interval:g}s)")
    return c.Monitor(
        id=monitor_id or "",
        name=r.get(m, path, "name", text, monitor_id or ""),
        type=kind or "",
        spec=spec,
        interval=interval,
        timeout=timeout,
        confirmation=r.get(m, path, "confirmation", integer(*limits.CONFIRMATION), 2),
        recovery=r.get(m, path, "recovery", integer(*limits.CONFIRMATION), 2),
        degraded_after=r.get(m, path, "degraded_after", duration_in(limits.DEGRADED_AFTER)),
        tags=r.get(m, path, "tags", text_list, ()),
        group=r.get(m, path, "group", text),
        channels=r.get(m, path, "channels", text_list, ()),
        policy=r.get(m, path, "policy", text),
        paused=r.get(m, path, "paused", boolean, False),
        conditions=_conditions(r, m, path, monitor_type),
    )


# One condition in the JSON Schema (config.json_schema): `conditions.condition` parses it.
CONDITION = {"type": "string", "description": "FACT OPERATOR VALUE, such as status == 200 or response_time < 300ms"}


def _conditions(r: Reader, m: dict, path: tuple, monitor_type) -> tuple:
    """Each condition parsed once, here; a bad one reported at its own line, with a fact its type
    never records among them (`dns.rcode` on an http monitor would never hold)."""
    from uptime_tui.config.conditions import condition, conditions_of

    found = []
    for i, raw in enumerate(r.items(m.get("conditions"), path + ("conditions",), each=CONDITION)):
        try:
            parsed = condition(raw)
        except ValueError as exc:
            r.problem(path + ("conditions", i), str(exc))
            continue
        facts = ("response_time",) + (monitor_type.facts if monitor_type else ())
        if monitor_type is not None and parsed.fact not in facts:
            r.problem(path + ("conditions", i), f"{monitor_type.name} monitors have no {parsed.subject}"
                                                 f" (they have {conditions_of(facts)})")
        found.append(parsed)
    return tuple(found)


def _check_driver(r: Reader, monitor_type, path: tuple) -> None:
    """A type whose driver is not installed is refused here rather than failing every check."""
    from importlib.util import find_spec  # finds the module without importing it

    for module, extra in monitor_type.requires:
        if find_spec(module) is None:
            r.problem(path, f"{monitor_type.name} monitors need the {module} driver, which is not installed:"
                            f" pip install 'uptime-tui[{extra}]'")


HEARTBEAT_KEYS = (
    "id", "name", "period", "grace", "schedule", "timezone", "token", "slug", "channels", "policy", "tags",
    "paused",
)


def _heartbeat(r: Reader, value: Any, path: tuple) -> c.Heartbeat | None:
    m = r.mapping(value, path, HEARTBEAT_KEYS, required=("id",))
    if m is None:
        return None
    if ("period" in m) == ("schedule" in m):
        r.problem(path, "give either 'period' or 'schedule' (cron), not both or neither")
    if "timezone" in m and "schedule" not in m:
        r.problem(path + ("timezone",), "'timezone' applies only to a cron 'schedule'")
    heartbeat_id = r.get(m, path, "id", identifier)
    return c.Heartbeat(
        id=heartbeat_id or "",
        name=r.get(m, path, "name", text, heartbeat_id or ""),
        period=r.get(m, path, "period", duration_in(limits.HEARTBEAT_PERIOD)),
        schedule=r.get(m, path, "schedule", cron),
        timezone=r.get(m, path, "timezone", timezone, "UTC"),
        grace=r.get(m, path, "grace", duration_in(limits.HEARTBEAT_GRACE), 300.0),
        token=r.get(m, path, "token", url_token(8)),
        channels=r.get(m, path, "channels", text_list, ()),
        policy=r.get(m, path, "policy", text),
        tags=r.get(m, path, "tags", text_list, ()),
        paused=r.get(m, path, "paused", boolean, False),
        slug=r.get(m, path, "slug", slug),
    )


CHANNEL_KEYS = ("id", "events", "all_resources", "min_interval", "burst", "timeout")


def _channel(r: Reader, value: Any, path: tuple) -> c.Channel | None:
    from uptime_tui.notify.channels import KINDS as kinds  # up the layers: see the docstring

    m = r.mapping(value, path, CHANNEL_KEYS + tuple(kinds), required=("id",))
    if m is None:
        return None
    given = [kind for name, kind in kinds.items() if name in m]
    if len(given) != 1:
        r.problem(path, _one_kind_problem([kind.label for kind in kinds.values()]))
    specs = [kind.read(r, m, path) for kind in given]  # each read, so all their problems are reported
    patterns = r.get(m, path, "events", text_list, ("incident.*",))
    for i, pattern in enumerate(patterns):
        if not known_channel_pattern(pattern):
            close = difflib.get_close_matches(pattern, events.EVENT_NAMES + ("audit.*",), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else " (for example incident.*, monitor.down or audit.*)"
            r.problem(path + ("events", i), f"'{pattern}' matches no event{hint}")
    return c.Channel(
        id=r.get(m, path, "id", identifier, ""), kind=given[0].name if given else "",
        spec=specs[0] if specs else None, events=patterns,
        all_resources=r.get(m, path, "all_resources", boolean, False),
        min_interval=r.get(m, path, "min_interval", duration_in(limits.CHANNEL_MIN_INTERVAL), 60.0),
        burst=r.get(m, path, "burst", integer(*limits.BURST), 3),
        timeout=r.get(m, path, "timeout", duration_in(limits.CHANNEL_TIMEOUT), 10.0),
    )


def _one_kind_problem(labels: list[str]) -> str:
    """"give either 'apprise' (URLs) or 'webhook', not both or neither", for however many kinds."""
    if len(labels) == 2:
        return f"give either {labels[0]} or {labels[1]}, not both or neither"
    return f"give exactly one of {', '.join(labels)}"


def known_channel_pattern(pattern: str) -> bool:
    """An event filter that matches something: an event we emit, or audit entries (`audit.*`,
    `audit.incident.*`: audit actions are open-ended, so any pattern under `audit.` is taken)."""
    if pattern.startswith("audit."):
        return len(pattern) > len("audit.")
    return events.known_pattern(pattern)


def _policy(r: Reader, value: Any, path: tuple) -> c.Policy | None:
    m = r.mapping(value, path, ("id", "steps", "repeat", "repeat_delay", "reminder"), required=("id", "steps"))
    if m is None:
        return None
    steps = []
    raw_steps = r.items(m.get("steps"), path + ("steps",))
    if "steps" in m and not raw_steps:
        r.problem(path + ("steps",), "a policy needs at least one step")
    for i, raw in enumerate(raw_steps):
        spath = path + ("steps", i)
        s = r.mapping(raw, spath, ("wait", "channels"), required=("channels",))
        if s is not None:
            wait = r.get(s, spath, "wait", duration_in(limits.ESCALATION_WAIT), 0.0)
            steps.append(c.EscalationStep(wait, r.get(s, spath, "channels", text_list, ())))
    return c.Policy(
        id=r.get(m, path, "id", identifier, ""),
        steps=tuple(steps),
        repeat=r.get(m, path, "repeat", integer(*limits.POLICY_REPEAT), 0),
        repeat_delay=r.get(m, path, "repeat_delay", duration_in(limits.REPEAT_DELAY), 0.0),
        reminder=r.get(m, path, "reminder", duration_in(limits.REMINDER)),
    )


def _maintenance(r: Reader, value: Any, path: tuple) -> c.MaintenanceWindow | None:
    keys = ("id", "monitors", "tags", "start", "end", "schedule", "duration", "timezone")
    m = r.mapping(value, path, keys, required=("id",))
    if m is None:
        return None
    one_off, recurring = {"start", "end"} & set(m), {"schedule", "duration"} & set(m)
    if bool(one_off) == bool(recurring):
        r.problem(path, "give either 'start' and 'end' (one-off) or 'schedule' and 'duration' (recurring)")
    elif one_off and one_off != {"start", "end"}:
        r.problem(path, "a one-off window needs both 'start' and 'end'")
    elif recurring and recurring != {"schedule", "duration"}:
        r.problem(path, "a recurring window needs both 'schedule' (cron) and 'duration'")
    if "monitors" not in m and "tags" not in m:
        r.problem(path, "a window needs 'monitors' or 'tags' to apply to")
    zone = r.get(m, path, "timezone", timezone, "UTC")
    start = r.get(m, path, "start", window_time_in(zone))
    end = r.get(m, path, "end", window_time_in(zone))
    if start and end and end <= start:
        r.problem(path + ("end",), "the window must end after it starts")
    return c.MaintenanceWindow(
        id=r.get(m, path, "id", identifier, ""),
        monitors=r.get(m, path, "monitors", text_list, ()),
        tags=r.get(m, path, "tags", text_list, ()),
        start=start,
        end=end,
        schedule=r.get(m, path, "schedule", cron),
        duration=r.get(m, path, "duration", duration_in(limits.WINDOW_DURATION)),
        timezone=zone,
    )


def _api_key(r: Reader, value: Any, path: tuple) -> c.ApiKey | None:
    m = r.mapping(value, path, ("name", "token", "permissions"), required=("name", "token", "permissions"))
    if m is None:
        return None
    token = r.get(m, path, "token", text, "")
    if token and len(token) < 16:
        r.problem(path + ("token",), "an API token must be at least 16 characters")
    permissions = r.get(m, path, "permissions", text_list, ("read",))
    if isinstance(m.get("permissions"), str) and len(m["permissions"].replace(",", " ").split()) > 1:
        r.problem(path + ("permissions",), "several permissions are a list: [read, write]")
        permissions = ()
    for p in permissions:
        if p not in c.PERMISSIONS:
            r.problem(path + ("permissions",), f"unknown permission '{p}' (use [read] or [read, write])")
    if "write" in permissions and "read" not in permissions:
        r.problem(path + ("permissions",), "'write' needs 'read' too: use [read, write]")
    return c.ApiKey(name=r.get(m, path, "name", text, ""), token=token, permissions=frozenset(permissions))


def _check_references(r: Reader, root: dict, channels, policies, monitors, heartbeats, windows) -> None:
    channel_ids = {ch.id for ch in channels}
    policy_ids = {p.id for p in policies}
    for i, policy in enumerate(policies):
        for j, step in enumerate(policy.steps):
            for name in step.channels:
                r.reference(("policies", i, "steps", j, "channels"), name, channel_ids, "channel")
    for section, items in (("monitors", monitors), ("heartbeats", heartbeats)):
        for i, item in enumerate(items):
            for name in item.channels:
                r.reference((section, i, "channels"), name, channel_ids, "channel")
            r.reference((section, i, "policy"), item.policy, policy_ids, "policy")
    resource_ids = {m.id for m in monitors} | {h.id for h in heartbeats}
    for i, window in enumerate(windows):
        for name in window.monitors:
            r.reference(("maintenance", i, "monitors"), name, resource_ids, "monitor or heartbeat")
    clash = {m.id for m in monitors} & {h.id for h in heartbeats}
    for i, heartbeat in enumerate(heartbeats):
        if heartbeat.id in clash:
            r.problem(("heartbeats", i, "id"), f"'{heartbeat.id}' is already a monitor id; ids name one thing")


def _check_slugs(r: Reader, root: dict, settings: c.Settings, heartbeats) -> None:
    """With a ping key, a slug names one heartbeat (Healthchecks answers 409 to an ambiguous
    one; refusing the file says so sooner), and the key is no heartbeat's token."""
    if settings.ping_key is None or len(heartbeats) != len(root.get("heartbeats") or ()):
        return  # no slugs in use, or entries already refused (whose indexes these would not be)
    first: dict[str, int] = {}
    for i, heartbeat in enumerate(heartbeats):
        if heartbeat.token == settings.ping_key:
            r.problem(("settings", "ping_key"), f"must differ from every heartbeat's token ('{heartbeat.id}' has it)")
        at = first.setdefault(heartbeat.ping_slug, i)
        if at != i:
            line = r.tree.mark(("heartbeats", at)).line
            r.problem(("heartbeats", i, "slug" if heartbeat.slug else "id"),
                      f"slug '{heartbeat.ping_slug}' names heartbeat '{heartbeats[at].id}' too (line {line});"
                      " give one of them a 'slug'")


def _check_tokens(r: Reader, root: dict) -> None:
    """Two heartbeats (or two API keys) with one token could not be told apart."""
    for section in ("heartbeats", "api_keys"):
        entries = root.get(section)
        if isinstance(entries, list):
            r.unique(entries, (section,), "token", key="token", secret=True)
