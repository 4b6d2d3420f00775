"""The pure parts of notifications: routing, noise rules, storm limit, retries, rendering, signing,
redaction, and the channel config."""

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui import events
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.notify import render
from uptime_tui.notify.channels import webhook
from uptime_tui.notify.plan import Pending, RetryPolicy, SendResult, TokenBucket, plan
from uptime_tui.notify.channels.webhook import redact_webhook_url
from uptime_tui.notify.redact import Redactor, describe_channel
from uptime_tui.redaction import redact_url
from uptime_tui.notify.routing import IncidentFacts, Routes, folds_into_group, quiet_reason, wants

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
CTX = events.Context("org", "team")
SLACK = "slack://T0000AAAA/B0000BBBB/XXXXsecretXXXXtoken"

YAML = f"""
monitors:
  - {{id: web, type: http, url: "http://127.0.0.1:9/", channels: [chat, hook]}}
  - {{id: db, type: tcp, host: 127.0.0.1, port: 5432, policy: oncall}}
channels:
  - {{id: chat, apprise: ["{SLACK}"]}}
  - id: hook
    webhook: {{url: "https://hooks.example.com/T0/abcdef123456?token=tok-in-query", secret: whsec-very-secret,
               headers: {{Authorization: "Bearer bearer-token-1"}}}}
    events: ["incident.*", "monitor.down"]
    min_interval: 0s
  - {{id: pager, apprise: ["ntfy://pager-topic-secret"], events: [incident.resolved], burst: 1, min_interval: 5m}}
  - {{id: log, webhook: {{url: "http://127.0.0.1:9/log"}}, events: ["*"], all_resources: true}}
  - {{id: audit, webhook: {{url: "http://127.0.0.1:9/audit"}}, events: ["audit.*"]}}
policies:
  - {{id: oncall, steps: [{{wait: 0s, channels: [pager]}}], reminder: 30m}}
"""


def config():
    return parse_config(YAML, "c.yaml", {})


def monitor_ref(row_id=1, name="Web"):
    return events.MonitorRef(row_id, name, "http://127.0.0.1:9/", "status")


def incident_ref(incident_id=7, row_id=1):
    return events.IncidentRef.of(incident_id, "Web down", monitor_ref(row_id))


# --- config -----------------------------------------------------------------------------------

def test_channel_options_parse_with_defaults():
    c = config()
    chat, hook, pager, log, audit = c.channels
    assert (chat.min_interval, chat.burst, chat.timeout, chat.all_resources) == (60.0, 3, 10.0, False)
    assert hook.min_interval == 0 and pager.min_interval == 300 and pager.burst == 1
    assert log.all_resources and audit.events == ("audit.*",)
    assert c.policies[0].reminder == 1800


def test_channel_problems_never_echo_secrets():
    text = """
channels:
  - {id: a, webhook: {url: "ftp://hooks.example.com/tok-123456"}, events: [audit., incidnt.started]}
  - {id: b, apprise: ["no-scheme-secret-123"], min_interval: soon, burst: 0}
"""
    with pytest.raises(ConfigInvalid) as refused:
        parse_config(text, "c.yaml", {})
    message = str(refused.value)
    assert "tok-123456" not in message and "no-scheme-secret-123" not in message
    assert "'incidnt.started' matches no event (did you mean 'incident.started'?)" in message
    assert "'audit.' matches no event" in message
    assert "channels[1].min_interval" in message and "channels[1].burst" in message


def test_reprs_hide_urls_and_secrets():
    shown = repr(config().channels)
    for secret in ("XXXXsecret", "tok-in-query", "whsec-very-secret", "bearer-token-1", "pager-topic-secret"):
        assert secret not in shown


# --- routing ----------------------------------------------------------------------------------

def test_filters_match_events_and_audit_only_with_an_audit_pattern():
    c = config()
    chat, hook, pager, log, audit = c.channels
    assert wants(chat, "incident.started") and not wants(chat, "monitor.down")
    assert wants(hook, "monitor.down")
    assert wants(log, "heartbeat.up") and not wants(log, "audit.monitor.created")
    assert wants(audit, "audit.monitor.created") and not wants(audit, "incident.started")


def test_listed_and_all_resource_channels_hear_a_resource_event():
    routes = Routes(config())
    started = events.incident_started(CTX, NOW, incident_ref(), cause="HTTP 503", regions=["local"])
    assert routes.channels_for(started, ("monitor", "web")) == ["chat", "hook", "log"]
    down = events.monitor_down(CTX, NOW, monitor_ref(), cause="HTTP 503", regions=["local"])
    assert routes.channels_for(down, ("monitor", "web")) == ["hook", "log"]
    assert routes.channels_for(started, ("monitor", "db")) == ["log"]  # db lists no channel
    assert routes.channels_for(started, None) == ["log"]  # a resource gone from the config


def test_policies_reach_channels_through_escalation_targets_only():
    routes = Routes(config())
    escalated = events.incident_escalated(CTX, NOW, incident_ref(row_id=2), targets=[
        {"type": "channel", "id": "pager", "name": "pager"}, {"type": "user", "id": "u1", "name": "Ann"}])
    # pager's filter is incident.resolved only, but a policy step pages it all the same
    assert routes.channels_for(escalated, ("monitor", "db")) == ["log", "pager"]
    resolved = events.incident_resolved(CTX, NOW, incident_ref(row_id=2))
    acknowledged = events.incident_acknowledged(CTX, NOW, incident_ref(row_id=2))
    assert routes.channels_for(resolved, ("monitor", "db"), {"pager"}) == ["log", "pager"]
    assert routes.channels_for(acknowledged, ("monitor", "db"), {"pager"}) == ["log"]  # pager did not ask
    assert routes.channels_for(resolved, ("monitor", "db")) == ["log"]  # never paged: nothing


def test_noise_rules():
    facts = IncidentFacts(7, "monitor", 1)
    snoozed = IncidentFacts(7, "monitor", 1, snoozed_until=NOW + timedelta(minutes=30))
    assert quiet_reason("incident.escalated", facts, None, [], NOW) is None
    assert quiet_reason("incident.escalated", snoozed, None, [], NOW) == "snoozed"
    assert quiet_reason("incident.escalated", snoozed, None, [], NOW + timedelta(hours=1)) is None  # over
    assert quiet_reason("incident.resolved", snoozed, None, [], NOW) is None
    member = IncidentFacts(9, "monitor", 2, group_id=7)
    assert quiet_reason("incident.reopened", member, snoozed, [], NOW) == "snoozed"  # its group is snoozed
    flapping = IncidentFacts(8, "monitor", 1, flapping=True)
    assert quiet_reason("monitor.down", None, None, [flapping], NOW) == "flapping"
    assert quiet_reason("incident.started", flapping, None, [flapping], NOW) is None  # the flapping incident speaks
    in_window = IncidentFacts(7, "monitor", 1, maintenance=True)
    assert quiet_reason("incident.escalated", in_window, None, [], NOW) == "maintenance"
    assert folds_into_group({"event": "incident.started", "incident_id": 9}, member)
    assert not folds_into_group({"event": "incident.started", "incident_id": 7}, IncidentFacts(7, "monitor", 1, group_id=7))
    assert folds_into_group({"event": "incident.grouped", "incident_id": 9, "incident_group_id": 7}, None)


# --- storm limit and retries -------------------------------------------------------------------

def test_token_bucket_allows_a_burst_then_one_per_interval():
    bucket = TokenBucket(burst=3, interval=60)
    assert bucket.available(NOW) == 3
    bucket.take(NOW, 3)
    assert bucket.available(NOW + timedelta(seconds=30)) == pytest.approx(0.5)
    assert bucket.next_token_at(NOW + timedelta(seconds=30)) == NOW + timedelta(seconds=60)
    assert bucket.available(NOW + timedelta(hours=1)) == 3  # never more than the burst
    unlimited = TokenBucket(burst=3, interval=0)
    unlimited.take(NOW, 100)
    assert unlimited.available(NOW) == float("inf")


def test_bucket_replayed_after_a_restart_resumes_the_limit():
    sent = [NOW - timedelta(seconds=s) for s in (50, 40, 30)]
    # 3 -> 2 at -50s, refill 1/6 -> 1.17 at -40s, -> 0.33 at -30s, + 1/2 by now
    assert TokenBucket.replay(3, 60, sent, NOW).available(NOW) == pytest.approx(5 / 6)
    assert TokenBucket.replay(3, 60, [], NOW).available(NOW) == 3


def test_plan_sends_singles_while_tokens_last_then_one_digest_of_everything_pending():
    due = [Pending(i, True) for i in range(1, 4)]
    assert plan(due, 3).singles == (1, 2, 3)
    assert plan(due, 2).digest == (1, 2, 3)
    held = due + [Pending(9, False)]  # a group member held back rides along in the digest
    assert plan(held, 2).digest == (1, 2, 3, 9)
    assert plan(held, 5).singles == (1, 2, 3)
    assert plan(due, 0.5).messages == 0  # no token: wait
    assert plan([Pending(9, False)], 3).messages == 0  # nothing due yet
    assert plan(due, float("inf")).singles == (1, 2, 3)


def test_retry_backs_off_exponentially_with_jitter_and_gives_up_after_a_day():
    policy = RetryPolicy(base=10, cap=3600)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 12)]
    for n, d in enumerate(delays, 1):
        ceiling = min(3600, 10 * 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert max(delays) <= 3600
    created = NOW - timedelta(hours=23)
    assert not policy.gives_up(created, NOW, attempts=40, permanent=False)
    assert policy.gives_up(created, NOW + timedelta(hours=1), attempts=41, permanent=False)
    assert not policy.gives_up(NOW, NOW, attempts=2, permanent=True)
    assert policy.gives_up(NOW, NOW, attempts=3, permanent=True)


@pytest.mark.parametrize("status, ok, permanent", [
    (200, True, False), (204, True, False), (301, False, True), (400, False, True), (404, False, True),
    (408, False, False), (429, False, False), (500, False, False), (503, False, False),
])
def test_http_status_classification(status, ok, permanent):
    result = SendResult.from_status(status)
    assert (result.ok, result.permanent) == (ok, permanent)


# --- payloads and text -------------------------------------------------------------------------

def test_webhook_body_is_the_reference_payload_in_reference_order():
    payload = events.incident_started(CTX, NOW, incident_ref(), cause="HTTP 503", regions=["local"],
                                      escalation_policy_id=None)
    stored = json.loads(json.dumps(payload, sort_keys=True))  # as the outbox's JSON column keeps it
    body = render.json_body(stored)
    assert json.loads(body) == payload
    assert list(json.loads(body)) == list(payload)
    assert list(payload)[:5] == ["dt", "event", "message", "organization_id", "team_id"]
    for name, builder_args in (("monitor.down", {"cause": "x", "regions": []}),):
        p = events.monitor_down(CTX, NOW, monitor_ref(), **builder_args)
        assert list(json.loads(render.json_body(dict(sorted(p.items()))))) == list(p)
    checked = events.heartbeat_checked(CTX, NOW, events.HeartbeatRef(3, "Job"), success=False, fail_code="2")
    assert list(render.ordered(dict(sorted(checked.items())))) == list(checked)


def test_apprise_text_says_what_why_since_when_evidence_and_what_to_press():
    payload = events.incident_started(CTX, NOW, incident_ref(), cause="HTTP 503", regions=["local"])
    detail = render.IncidentDetail(7, "down", "HTTP 503", NOW - timedelta(minutes=3), "critical",
                                   evidence=(render.Evidence("local", NOW - timedelta(seconds=30), 503, 120.0),),
                                   target="https://****@web.example/health")
    text = render.message_text(payload, detail)
    assert text.title == "Down: Web" and text.kind == "failure"
    for part in ("Target: https://****@web.example/health", "Cause: HTTP 503", "Since: 2026-11-23 11:57:00 UTC\n",
                 "local 2026-11-23 11:59:30 UTC HTTP 503 120 ms", "press a to acknowledge"):
        assert part in text.body
    resolved = render.message_text(events.incident_resolved(CTX, NOW, incident_ref(), cause="recovered"), detail)
    assert resolved.title == "Resolved: Web" and resolved.kind == "success" and "lasted 3m" in resolved.body


def test_digest_text_folds_a_group_into_a_count_and_members():
    items, details = [], {}
    for i in range(1, 2801):
        ref = events.IncidentRef.of(i, f"m{i} down", monitor_ref(i, f"m{i}"))
        items.append(events.incident_started(CTX, NOW, ref, cause="timeout", regions=["local"]))
        details[i] = render.IncidentDetail(i, "down", "timeout", NOW, "critical", group_id=1, group_key="edge")
    items.append(events.incident_resolved(CTX, NOW, incident_ref(5000)))
    text = render.digest_text(items, details, 60)
    assert text.title.startswith("2801 notifications: 2800 started, 1 resolved")
    assert "Group edge (incident #1): 2800 incidents (2800 started)" in text.body
    assert "m1, m2" in text.body and "and 2790 more" in text.body
    assert "Incident #5000 resolved" in text.body
    assert len(text.body.splitlines()) < 30


def test_digest_payload_keeps_each_notification_and_its_key():
    payloads = [events.incident_started(CTX, NOW, incident_ref(i), cause="x", regions=[]) for i in (1, 2)]
    digest = render.digest_payload([("evt_1", payloads[0]), ("evt_2", payloads[1])], CTX, NOW, 60)
    assert list(digest)[:5] == ["dt", "event", "message", "organization_id", "team_id"]
    assert digest["event"] == "notification.digest" and digest["count"] == 2
    assert [e["idempotency_key"] for e in digest["events"]] == ["evt_1", "evt_2"]
    assert digest["events"][0]["payload"] == payloads[0]


# --- signing and redaction ----------------------------------------------------------------------

def test_signature_verifies_and_rejects_tampering_and_old_timestamps():
    body = b'{"event":"incident.started"}'
    header = webhook.signature_header("whsec", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert webhook.verify("whsec", header, body, now=1_700_000_100)
    assert not webhook.verify("whsec", header, body + b" ", now=1_700_000_100)
    assert not webhook.verify("other", header, body, now=1_700_000_100)
    assert not webhook.verify("whsec", header, body, now=1_700_000_000 + 301)
    assert not webhook.verify("whsec", "garbage", body)


def test_readme_verification_snippet_matches_the_signing():
    import hashlib
    import hmac
    import time

    body = b'{"x":1}'
    t = int(time.time())
    header = webhook.signature_header("whsec", t, body)
    # the README's snippet, verbatim in substance
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(b"whsec", fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])


def test_redaction():
    c = config()
    assert redact_url(SLACK) == "slack://****"
    assert redact_webhook_url("https://hooks.example.com/T0/abc?token=x") == "https://hooks.example.com/****"
    chat, hook, pager, *_ = c.channels
    assert describe_channel(chat) == "apprise slack://****"
    assert describe_channel(hook) == "webhook https://hooks.example.com/****"
    redact = Redactor.for_config(c)
    leaked = (f"failed to post to {SLACK} and https://hooks.example.com/T0/abcdef123456?token=tok-in-query "
              f"with Bearer bearer-token-1, secret whsec-very-secret, topic pager-topic-secret")
    cleaned = redact(leaked)
    for secret in ("XXXXsecretXXXXtoken", "abcdef123456", "tok-in-query", "bearer-token-1", "whsec-very-secret",
                   "pager-topic-secret", "T0000AAAA"):
        assert secret not in cleaned
    assert redact("cannot reach hooks.example.com") == "cannot reach hooks.example.com"  # a host is no secret


# --- monitor URL secrets ------------------------------------------------------------------------

SECRET_URL = "https://probe:hunter2-secret@api.example.test/health?token=tok-in-monitor-url&page=2"
SHOWN_URL = "https://****@api.example.test/health?token=****&page=2"


def test_apprise_text_shows_the_target_without_its_credentials():
    ref = events.MonitorRef(1, "Web", SECRET_URL, "status")
    payload = events.monitor_down(CTX, NOW, ref, cause=f"cannot fetch {SECRET_URL}", regions=["eu"])
    text = render.message_text(payload)
    assert f"Target: {SHOWN_URL}" in text.body and f"Cause: cannot fetch {SHOWN_URL}" in text.body
    assert "hunter2-secret" not in text.body and "tok-in-monitor-url" not in text.body


def test_a_payload_queued_raw_by_an_older_version_is_redacted_when_sent():
    raw = events.monitor_down(CTX, NOW, monitor_ref(), cause="x", regions=["eu"])
    raw |= {"monitor_url": SECRET_URL, "cause": f"cannot fetch {SECRET_URL}", "message": f"down: {SECRET_URL}"}
    for shown in (render.json_body(raw).decode(), render.message_text(raw).body,
                  json.dumps(render.digest_payload([("k", raw)], CTX, NOW, 60)),
                  render.digest_text([raw], {}, 60).body):
        assert "hunter2-secret" not in shown and "tok-in-monitor-url" not in shown, shown
    assert json.loads(render.json_body(raw))["monitor_url"] == SHOWN_URL


def test_the_redactor_knows_the_monitors_credentials_and_any_urls_in_a_text():
    c = parse_config(YAML.replace('"http://127.0.0.1:9/", channels', f'"{SECRET_URL}", channels'), "c.yaml", {})
    redact = Redactor.for_config(c)
    cleaned = redact(f"apprise: body mentions hunter2-secret and tok-in-monitor-url; GET {SECRET_URL}")
    assert "hunter2-secret" not in cleaned and "tok-in-monitor-url" not in cleaned
    assert redact("GET http://other.test/?api_key=abcdefgh done") == "GET http://other.test/?api_key=**** done"


def test_the_redactor_masks_heartbeat_tokens_the_ping_key_and_api_tokens():
    config = parse_config("""
settings: {ping_key: ping-key-0123456789ab}
heartbeats: [{id: backup, period: 1h, token: backup-token-98765}]
api_keys: [{name: bot, token: api-token-0123456789abcdef, permissions: [read]}]
""", "c.yaml", {})
    redact = Redactor.for_config(config)
    line = "GET /ping/backup-token-98765 /ping/ping-key-0123456789ab/backup Bearer api-token-0123456789abcdef"
    assert redact(line) == "GET /ping/**** /ping/****/backup Bearer ****"
