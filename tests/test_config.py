"""The YAML config: every error class, interpolation, and the example file."""

from pathlib import Path

import pytest

from uptime_tui.config import ConfigInvalid, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
monitors:
  - id: web
    type: http
    url: http://127.0.0.1:9/
"""


def problems(text: str, env=None) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        parse_config(text, "c.yaml", env or {})
    return [str(p) for p in info.value.problems]


def test_example_file_is_valid_and_covers_every_section():
    config = load_config(ROOT / "config.example.yaml", env={})
    assert all(count > 0 for count in config.summary().values()), config.summary()
    assert config.settings.listen_host == "127.0.0.1" and config.settings.listen_port == 8787


def test_defaults():
    config = parse_config(MINIMAL, "c.yaml", {})
    monitor = config.monitors[0]
    assert (monitor.name, monitor.interval, monitor.timeout, monitor.confirmation, monitor.recovery) == ("web", 60, 10, 2, 2)
    assert monitor.spec.accepted_status == ((200, 399),)
    assert config.settings.region == "local" and config.settings.retention.incidents == 30


def test_durations_and_status_ranges():
    config = parse_config(MINIMAL + "    interval: 1h30m\n    timeout: 500ms\n    accepted_status: [200, '300-302']\n", "c.yaml", {})
    monitor = config.monitors[0]
    assert monitor.interval == 5400 and monitor.timeout == 0.5
    assert monitor.spec.accepted_status == ((200, 200), (300, 302))
    assert parse_config(MINIMAL + "    interval: 1s\n    timeout: 1s\n", "c.yaml", {}).monitors[0].interval == 1


def test_environment_interpolation_types_and_defaults():
    text = "settings:\n  listen: ${HOST:-127.0.0.1}:${PORT}\n  region: ${REGION:-eu}\n" + MINIMAL
    config = parse_config(text, "c.yaml", {"PORT": "9000"})
    assert (config.settings.listen_host, config.settings.listen_port, config.settings.region) == ("127.0.0.1", 9000, "eu")
    number = parse_config(MINIMAL + "    confirmation: ${N:-3}\n", "c.yaml", {})
    assert number.monitors[0].confirmation == 3  # a plain scalar is typed after substitution


def test_missing_environment_variable_is_named():
    [message] = problems("settings:\n  region: ${UPTIME_REGION}\n")
    assert message.startswith("c.yaml:2:11: settings.region:") and "UPTIME_REGION is not set" in message


def test_three_mistakes_are_all_reported_with_lines():
    text = """monitors:
  - id: web
    type: http
    url: http://127.0.0.1/
    intervall: 5s
  - id: db
    type: tcp
    host: 127.0.0.1
    port: 70000
heartbeats:
  - id: job
    schedule: "61 * * * *"
"""
    found = problems(text)
    assert len(found) == 3, found
    assert found[0] == "c.yaml:5:5: monitors[0].intervall: unknown key 'intervall' (did you mean 'interval'?)"
    assert found[1].startswith("c.yaml:9:11: monitors[1].port: must be between 1 and 65535")
    assert found[2].startswith("c.yaml:12:15: heartbeats[0].schedule: cannot parse cron expression")


@pytest.mark.parametrize("text, expected", [
    ("monitors: [{id: a, type: http, url: 'http://x/'}, {id: a, type: http, url: 'http://y/'}]", "duplicate monitor 'a'"),
    ("monitors: [{id: a, type: http, url: 'http://x/', policy: oncall}]", "unknown policy 'oncall'"),
    ("channels: [{id: c, apprise: 'json://h/'}]\npolicies: [{id: p, steps: [{channels: [c]}]}, {id: p, steps: [{channels: [c]}]}]",
     "duplicate policy 'p'"),
    ("monitors: [{id: a, type: http, url: 'http://x/', channels: [slak]}]\nchannels: [{id: slack, apprise: 'slack://t'}]",
     "unknown channel 'slak' (did you mean 'slack'?)"),
    ("monitors: [{id: a, type: http, url: 'http://x/', interval: -5s}]", "interval: must not be negative"),
    ("monitors: [{id: a, type: http, url: 'http://x/', interval: 0s}]", "must be at least 1s"),
    ("monitors: [{id: a, type: htp, url: 'http://x/'}]", "did you mean 'http'?"),
    ("monitors: [{id: a, type: tcp, host: h}]", "'host' and 'port' are required"),
    ("monitors: [{id: a, type: http, url: 'ftp://x/'}]", "expected an http:// or https:// URL"),
    ("monitors: [{id: a, type: http, url: 'http://x/', interval: 5s, timeout: 10s}]", "must not exceed the interval"),
    ("monitors: [{id: a, type: keyword, url: 'http://x/'}]", "'keyword' is required"),
    ("heartbeats: [{id: h, period: 1m, schedule: '* * * * *'}]", "either 'period' or 'schedule'"),
    ("heartbeats: [{id: h, schedule: '* * * * *', timezone: Mars/Olympus}]", "unknown time zone 'Mars/Olympus'"),
    ("heartbeats: [{id: h, schedule: 'every day'}]", "cannot parse cron expression"),
    ("channels: [{id: c, webhook: {url: 'http://x/'}, events: [incident.strated]}]", "did you mean 'incident.started'?"),
    ("channels: [{id: c}]", "either 'apprise' (URLs) or 'webhook'"),
    ("policies: [{id: p, steps: [{wait: 1m, channels: [nope]}]}]", "unknown channel 'nope'"),
    ("maintenance: [{id: w, monitors: [ghost], start: 2026-01-01 10:00, end: 2026-01-01 11:00}]", "unknown monitor or heartbeat 'ghost'"),
    ("maintenance: [{id: w, tags: [x], start: 2026-01-01 10:00, end: 2026-01-01 09:00}]", "must end after it starts"),
    ("maintenance: [{id: w, tags: [x], schedule: '0 3 * * *'}]", "needs both 'schedule' (cron) and 'duration'"),
    ("api_keys: [{name: k, token: short, permissions: [read]}]", "at least 16 characters"),
    ("api_keys: [{name: k, token: 0123456789abcdefgh, permissions: [admin]}]", "unknown permission 'admin'"),
    ("settings: {listen: 'localhost'}", "expected host:port"),
    ("settings: {retention: {audit: 0}}", "must be between 1 and 36500"),
    ("setings: {}", "unknown key 'setings' (did you mean 'settings'?)"),
    ("monitors: {id: a}", "expected a list"),
    ("monitors:\n  - id: a\n    id: b\n", "duplicate key 'id'"),
    ("monitors: [", "YAML syntax error"),
])
def test_each_error_class(text, expected):
    found = problems(text)
    assert any(expected in message for message in found), found
    assert all(message.startswith("c.yaml:") for message in found)


def test_secrets_are_not_echoed_in_errors():
    text = """channels:
  - id: c
    apprise: "slack-xoxb-secret-token"
api_keys:
  - {name: a, token: same-secret-token-1234, permissions: [read]}
  - {name: b, token: same-secret-token-1234, permissions: [read]}
"""
    found = "\n".join(problems(text))
    assert "duplicate token" in found and "secret" not in found


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigInvalid) as info:
        load_config(tmp_path / "missing.yaml")
    assert "cannot read the file" in str(info.value)


def test_config_is_frozen():
    config = parse_config(MINIMAL, "c.yaml", {})
    with pytest.raises(AttributeError):
        config.monitors[0].interval = 5  # type: ignore[misc]


def test_a_key_of_another_monitor_type_is_refused_where_it_is_not_read():
    # `keyword` on an http monitor would check nothing: say so rather than ignore it.
    assert problems("""monitors:
  - {id: a, name: A, type: http, url: "http://127.0.0.1:9/", keyword: ok}
  - {id: b, name: B, type: tcp, host: x, port: 80, url: "http://x/"}
  - {id: c, name: C, type: keyword, url: "http://127.0.0.1:9/", keyword: ok, record: A}
""") == [
        "c.yaml:2:71: monitors[0].keyword: not a setting of http monitors, only of keyword monitors",
        "c.yaml:3:57: monitors[1].url: not a setting of tcp monitors, only of http, keyword, tls, postgres, mysql, redis and websocket monitors",
        "c.yaml:4:78: monitors[2].record: unknown key 'record' (did you mean 'recovery'?)",
    ]
