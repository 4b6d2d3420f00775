"""Gatus' config.yaml -> our monitors and channels.

An endpoint's URL scheme picks our type (http(s) -> http, tcp:// -> tcp, icmp:// -> ping,
a `dns:` block -> dns, ssh:// -> ssh, starttls:// -> smtp, tls:// -> tls, ws(s):// -> websocket);
its conditions are translated by gatus_conditions, a certificate condition on an http endpoint
becoming a tls monitor of its own. `alerting` providers become channels with Apprise URLs (a
`custom` one a webhook), and an endpoint's `alerts` name them. Gatus' own `${ENV}` references
stay references.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from uptime_tui.config.values import human_duration
from uptime_tui.importers import apprise_urls as au
from uptime_tui.importers.document import Document, ImportFailed, read_text
from uptime_tui.importers.gatus_conditions import translate

HANDLED = {"name", "group", "url", "method", "body", "headers", "interval", "conditions", "alerts", "client",
           "dns", "enabled", "ssh", "ui"}
_INTERVAL = (1, 86400)


def read(path: str) -> Document:
    try:
        config = yaml.safe_load(read_text(path, "a Gatus config"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise ImportFailed(f"{path}{where}: not a Gatus config (not valid YAML)") from None
    if not isinstance(config, dict) or not isinstance(config.get("endpoints"), list):
        raise ImportFailed(f"{path}: not a Gatus config: no 'endpoints' list at the top"
                           + (" (this looks like an external-endpoints-only or other file)" if isinstance(config, dict)
                              else ""))
    doc = Document("Gatus", path)
    channels = _alerting(doc, config.get("alerting") or {})
    for i, endpoint in enumerate(config["endpoints"]):
        if not isinstance(endpoint, dict) or not endpoint.get("name") or not endpoint.get("url"):
            raise ImportFailed(f"{path}: endpoints[{i}] is not a Gatus endpoint (it needs 'name' and 'url')")
        _endpoint(doc, endpoint, channels)
    for key in sorted(set(config) - {"endpoints", "alerting"}):
        doc.notes.append(f"not carried over: the top-level '{key}' section (no counterpart in our config)")
    return doc


def _endpoint(doc: Document, e: dict, channels: dict) -> None:
    name, group = str(e["name"]), e.get("group")
    where = f"endpoint '{name}'"
    notes: list[str] = []
    mid = doc.unique_id(f"{group}-{name}" if group else name, "endpoint")
    data = {"id": mid, "name": name}
    url = doc.source_text(str(e["url"]), where)
    kind = _type_and_target(doc, e, url, data, notes, where)
    data = {"id": mid, "name": name, "type": kind, **{k: v for k, v in data.items() if k not in ("id", "name")}}
    interval = _interval(e.get("interval", "60s"), notes)
    if interval:
        data["interval"] = human_duration(interval)
        if interval < 10:
            data["timeout"] = human_duration(interval)  # our default timeout is 10s, never past the interval
    if group:
        data["group"] = str(group)
        data["tags"] = [str(group)]
    if e.get("enabled") is False:
        data["paused"] = True
    tls_conditions, status_ops = [], []
    for raw in e.get("conditions") or ():
        result = translate(str(raw), kind)
        if result.reason:
            notes.append(f"not carried over: condition '{raw}': {result.reason}")
        elif result.on == "tls":
            tls_conditions.append(result.condition)
        else:
            data.setdefault("conditions", []).append(result.condition)
            if result.status:
                status_ops.append(result.status)
    if status_ops and not all(op == "==" and 200 <= n <= 399 for op, n in status_ops):
        data["accepted_status"] = ["100-599"]  # in Gatus the conditions alone judge the status
    _alerts(e.get("alerts") or (), data, notes, channels)
    for key in sorted(set(e) - HANDLED):
        notes.append(f"not carried over: '{key}' (no counterpart in our monitors)")
    doc.add("monitors", data, notes)
    if tls_conditions:
        tls = {"id": doc.unique_id(f"{mid}-certificate", "certificate"), "name": f"{name} certificate",
               "type": "tls", "url": data["url"], "interval": data.get("interval", "1m"),
               "conditions": tls_conditions}
        for key in ("group", "tags", "channels", "paused"):
            if key in data:
                tls[key] = data[key]
        doc.add("monitors", tls, [f"from the [CERTIFICATE_EXPIRATION] conditions of {where}:"
                                  " our http monitors record no certificate, tls monitors do"])


def _type_and_target(doc: Document, e: dict, url: str, data: dict, notes: list, where: str) -> str:
    """Our type for the endpoint, with its target keys set in `data`."""
    if isinstance(e.get("dns"), dict):
        dns = e["dns"]
        data["host"] = str(dns.get("query-name", "")).rstrip(".")
        data["nameserver"] = url.split("://", 1)[-1]
        if str(dns.get("query-type", "A")).upper() not in ("A", "AAAA"):
            notes.append(f"not carried over: dns query-type {dns.get('query-type')}: our dns monitors resolve"
                         " addresses (A/AAAA) only")
        return "dns"
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        data["url"] = url
        if e.get("method") and str(e["method"]).upper() != "GET":
            data["method"] = str(e["method"]).upper()
        if e.get("headers"):
            data["headers"] = {str(k): doc.source_text(str(v), where) for k, v in e["headers"].items()}
        if e.get("body"):
            data["body"] = doc.source_text(str(e["body"]), where)
        client = e.get("client") or {}
        if client.get("insecure"):
            data["ignore_tls"] = True
        for key in sorted(set(client) - {"insecure"}):
            notes.append(f"not carried over: client.{key} (no counterpart in our http monitors)")
        return "http"
    if scheme in ("ws", "wss"):
        data["url"] = url
        if e.get("body"):
            data["send"] = str(e["body"])
        return "websocket"
    host, port = _host_port(rest)
    data["host"] = host
    if scheme == "icmp":
        return "ping"
    if scheme == "ssh":
        data["port"] = port or 22
        if e.get("ssh"):
            notes.append("not carried over: ssh username/password: our ssh monitors check the banner and host key"
                         " without logging in")
        return "ssh"
    if scheme == "starttls":
        data.update(port=port or 25, starttls=True)
        return "smtp"
    if scheme in ("tcp", "tls"):
        if port is None:
            raise ImportFailed(f"endpoint '{e['name']}': {scheme}:// needs a port")
        data["port"] = port
        return scheme
    raise ImportFailed(f"endpoint '{e['name']}': the URL scheme '{scheme}://' is not one Gatus documents"
                       " (or not one we know yet)")


def _host_port(rest: str) -> tuple[str, int | None]:
    parts = urlsplit("//" + rest)
    return parts.hostname or rest, parts.port


def _interval(value, notes: list) -> float | None:
    from uptime_tui.config import duration

    try:
        secs = duration(str(value))
    except ValueError:
        notes.append(f"not carried over: interval '{value}' (not a duration we read); ours defaults to 1m")
        return None
    if not _INTERVAL[0] <= secs <= _INTERVAL[1]:
        notes.append(f"not carried over: interval '{value}' (ours is 1s to 1d); defaulting to 1m")
        return None
    return secs


def _alerts(alerts, data: dict, notes: list, channels: dict) -> None:
    for alert in alerts:
        kind = str(alert.get("type", ""))
        if alert.get("enabled") is False:
            notes.append(f"not carried over: the disabled {kind} alert")
            continue
        if kind not in channels:
            notes.append(f"not carried over: the {kind} alert (its provider is not in 'alerting' or has no channel)")
            continue
        data.setdefault("channels", []).append(channels[kind])
        if "failure-threshold" in alert:
            data["confirmation"] = max(1, min(100, int(alert["failure-threshold"])))
        if "success-threshold" in alert:
            data["recovery"] = max(1, min(100, int(alert["success-threshold"])))
        if alert.get("send-on-resolved") is False:
            notes.append(f"not carried over: send-on-resolved: false of the {kind} alert (our channels hear"
                         " resolutions too; filter with the channel's 'events')")
        if alert.get("description"):
            notes.append(f"not carried over: the {kind} alert's description '{alert['description']}'")


def _alerting(doc: Document, alerting: dict) -> dict[str, str]:
    """Each provider -> a channel; returns provider -> channel id."""
    made: dict[str, str] = {}
    for provider, settings in alerting.items():
        where = f"alerting.{provider}"
        settings = settings if isinstance(settings, dict) else {}
        cid = doc.unique_id(f"gatus-{provider}", "channel")
        try:
            channel = _channel(doc, provider, settings, where)
        except au.Unsupported as exc:
            doc.notes.append(f"not carried over: {where}: {exc}")
            continue
        unused = set(settings) - USED.get(provider, set()) - {"default-alert", "overrides"}
        notes = [f"not carried over: {where}.{key}" for key in sorted(unused)]
        if settings.get("default-alert"):
            notes.append(f"not carried over: {where}.default-alert (each endpoint's alerts name this channel)")
        doc.add("channels", {"id": cid, **channel}, notes)
        made[provider] = cid
    return made


USED = {"slack": {"webhook-url"}, "discord": {"webhook-url"}, "mattermost": {"webhook-url"},
        "telegram": {"token", "id"}, "pagerduty": {"integration-key"},
        "email": {"from", "username", "password", "host", "port", "to"},
        "ntfy": {"url", "topic", "token"}, "gotify": {"server-url", "token"},
        "pushover": {"application-token", "user-key"}, "custom": {"url", "headers"}}


def _channel(doc: Document, provider: str, s: dict, where: str) -> dict:
    if provider in ("slack", "discord"):
        return {"apprise": [au.webhook_url(doc, provider, s.get("webhook-url"), where)]}
    if provider == "mattermost":
        return {"apprise": [au.mattermost(doc, s.get("webhook-url"), where)]}
    if provider == "telegram":
        return {"apprise": [au.telegram(doc, s.get("token"), s.get("id"), where)]}
    if provider == "pagerduty":
        return {"apprise": [au.pagerduty(doc, s.get("integration-key"), where)]}
    if provider == "email":
        return {"apprise": [au.email(doc, s.get("host"), s.get("port"), s.get("username") or s.get("from"),
                                     s.get("password"), s.get("from"), s.get("to"), where)]}
    if provider == "ntfy":
        return {"apprise": [au.ntfy(doc, s.get("url"), s.get("topic"), s.get("token"), where)]}
    if provider == "gotify":
        return {"apprise": [au.gotify(doc, s.get("server-url"), s.get("token"), where)]}
    if provider == "pushover":
        return {"apprise": [au.pushover(doc, s.get("user-key"), s.get("application-token"), where)]}
    if provider == "custom":
        if not s.get("url"):
            raise au.Unsupported("no url given")
        hook = {"url": doc.source_text(str(s["url"]), where)}
        if s.get("headers"):
            hook["headers"] = {str(k): doc.source_text(str(v), where) for k, v in s["headers"].items()}
        if s.get("body") or s.get("method"):
            doc.notes.append(f"not carried over: {where}.body/method: our webhook posts its own JSON event"
                             " (signed), not Gatus' template")
        return {"webhook": hook}
    raise au.Unsupported(f"no Apprise service for Gatus' '{provider}' provider here")
