"""One audit-filter grammar: the console, `uptime-tui audit list` and `GET /api/v1/audit` read the
same values the same way and refuse the same ones with the same reason, each naming the field
its own way (`since`, `--since`)."""

from datetime import datetime, timedelta, timezone

import pytest

from support.api import READ, Clock, serving
from uptime_tui import audit
from uptime_tui.cli import main
from uptime_tui.store import open_database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
WHEN = ("must be an ISO 8601 date or time (UTC without an offset) or a duration ago "
        "such as 24h, 7d or 1h30m")

# (key, raw value, the reason every face gives)
REFUSED = [
    ("since", "yesterday", WHEN),
    ("until", "2026-02-30", WHEN),
    ("since", "1h30", WHEN),
    ("since", "-5m", WHEN),
    ("until", "", WHEN),
    ("actor_type", "robot", "must be one of user, api_key, system, workflow, alert"),
    ("actor_type", "", "must be one of user, api_key, system, workflow, alert"),
    ("text", "a\x00b", "must not contain NUL characters"),
    ("target", "x" * 2001, "must be at most 2000 characters"),
]


def console_refusal(key: str, value: str) -> str:
    """What the audit screen shows for `key=value` typed in its filter line."""
    word = "type" if key == "actor_type" else key
    with pytest.raises(audit.FilterError) as info:
        audit.parse_filter_words(f"{word}={value}", NOW)
    return str(info.value)


def cli_refusal(capsys, tmp_path, key: str, value: str) -> str:
    config = tmp_path / "config.yaml"
    config.write_text("monitors: []\n")
    code = main(["audit", "list", f"--{key.replace('_', '-')}={value}",
                 "--config", str(config), "--db", str(tmp_path / "cli.db")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    return err.strip().removeprefix("uptime-tui audit list: ")


@pytest.mark.parametrize("key, value, reason", REFUSED, ids=[f"{k}={v[:12]!r}" for k, v, _ in REFUSED])
def test_the_console_and_the_cli_refuse_alike(capsys, tmp_path, key, value, reason):
    assert console_refusal(key, value) == f"{key} {reason}"
    assert cli_refusal(capsys, tmp_path, key, value) == f"--{key.replace('_', '-')} {reason}"


@pytest.mark.anyio
async def test_the_api_refuses_alike(tmp_path):
    database = open_database(str(tmp_path / "api.db"))
    async with serving(database, Clock()) as (_, client):
        for key, value, reason in REFUSED:
            response = await client.get("/api/v1/audit", params={key: value}, headers=READ)
            assert (response.status_code, response.json()) == (400, {"error": f"{key} {reason}"}), key
        # An empty range is an answer, not a refusal, in the API as in the other faces.
        empty = await client.get("/api/v1/audit", params={"since": "1d", "until": "2d"}, headers=READ)
        assert empty.status_code == 200 and empty.json()["entries"] == []
    database.close()


def test_every_face_reads_compound_durations_and_seconds():
    for text, ago in (("1h30m", timedelta(minutes=90)), ("30s", timedelta(seconds=30)), ("1.5h", timedelta(minutes=90))):
        assert audit.parse_filter({"since": text}, NOW).since == NOW - ago
        assert audit.parse_filter_words(f"since={text}", NOW).since == NOW - ago


def test_the_console_line_reads_keys_aliases_and_words():
    criteria = audit.parse_filter_words("type=user actor-type=api_key action=incident.* web down text=x", NOW)
    assert (criteria.actor_type, criteria.action, criteria.text) == ("api_key", "incident.*", "x web down")
    assert audit.parse_filter_words("target= actor=", NOW) == audit.Filter()  # empty searches: no criterion


def test_an_empty_range_is_not_refused_and_says_so_on_the_command_line(capsys, tmp_path):
    criteria = audit.parse_filter({"since": "1d", "until": "2d"}, NOW)
    assert criteria.empty_range and not audit.parse_filter({"since": "2d", "until": "1d"}, NOW).empty_range
    config = tmp_path / "config.yaml"
    config.write_text("monitors: []\n")
    code = main(["audit", "list", "--since", "1d", "--until", "2d", "--config", str(config),
                 "--db", str(tmp_path / "cli.db")])
    assert (code, capsys.readouterr().out) == (0, "no matching audit entries (--since is not earlier than --until)\n")

