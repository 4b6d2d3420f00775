"""`uptime-tui schema`: the config's JSON Schema, recorded off the validator's own readers, is a
valid draft 2020-12 schema that takes the example file and refuses what the validator refuses,
names every registered type and kind, and matches the copy in docs/ that editors point at."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from uptime_tui.checks import registry
from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.cli import main
from uptime_tui.cli.schema import config_schema, rendered
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.config.json_schema import undescribed
from uptime_tui.config.schema import CHANNEL_KEYS, MONITOR_KEYS
from uptime_tui.notify.channels import KINDS

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "config.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return config_schema()


def problems(schema: dict, document) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def variant(schema: dict, section: str, title: str) -> dict:
    cases = schema["properties"][section]["items"]["allOf"]
    return next(case["then"] for case in cases if case["then"]["title"] == title)


def test_it_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"settings", "monitors", "heartbeats", "channels", "policies",
                                         "maintenance", "api_keys"}


def test_the_example_config_validates(schema):
    example = yaml.safe_load((ROOT / "config.example.yaml").read_text())
    assert problems(schema, example) == []


def test_the_example_points_editors_at_the_committed_schema():
    first = (ROOT / "config.example.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=docs/config.schema.json"


def test_every_value_has_a_schema():
    assert undescribed(registry.TYPES, KINDS) == [], \
        "give these values' parsers a JSON Schema fragment: @described({...}) from config.values, or parse.json_schema"


def test_every_registered_type_and_kind_has_its_subschema_with_all_its_keys(schema):
    for name, monitor_type in registry.TYPES.items():
        keys = set(variant(schema, "monitors", f"{name} monitor")["properties"])
        assert keys == set(MONITOR_KEYS) | set(monitor_type.keys), name
    for name in KINDS:
        assert set(variant(schema, "channels", f"{name} channel")["properties"]) == set(CHANNEL_KEYS) | {name}


@pytest.mark.parametrize("broken", [
    pytest.param({"monitors": [{"id": "a", "type": "tcp", "host": "db", "port": 5432, "intervl": "1m"}]},
                 id="an unknown key"),
    pytest.param({"settings": {"retention": {"audit": "forever"}}}, id="a word for a number"),
    pytest.param({"monitors": [{"id": "a", "type": "tcp", "host": "db", "port": 5432, "paused": "no"}]},
                 id="text for true or false"),
    pytest.param({"monitors": [{"id": "a", "type": "tcp", "host": "db", "port": 70000}]}, id="a port past 65535"),
    pytest.param({"monitors": [{"id": "a", "type": "gopher", "host": "db"}]}, id="an unknown monitor type"),
    pytest.param({"monitors": [{"id": "a", "type": "tcp", "host": "db", "port": 5432, "url": "http://db/"}]},
                 id="a tcp monitor with an http key"),
    pytest.param({"monitors": [{"id": "a", "type": "http", "url": "ftp://files/"}]}, id="not an http URL"),
    pytest.param({"monitors": [{"id": "a", "type": "http", "url": "http://a/", "interval": "soon"}]},
                 id="not a duration"),
    pytest.param({"monitors": [{"type": "http", "url": "http://a/"}]}, id="a monitor without an id"),
    pytest.param({"channels": [{"id": "c", "events": ["incident.*"]}]}, id="a channel of no kind"),
    pytest.param({"channels": [{"id": "c", "apprise": ["json://h/"], "webhook": {"url": "http://h/"}}]},
                 id="a channel of two kinds"),
    pytest.param({"policies": [{"id": "p", "steps": [{"wait": "1m"}]}]}, id="a step without channels"),
    pytest.param({"monitors": [{"id": "a", "type": "http", "url": "http://a/", "basic_auth": {"user": "x"}}]},
                 id="a nested mapping's unknown key"),
])
def test_what_the_validator_refuses_the_schema_refuses_too(schema, broken):
    with pytest.raises(ConfigInvalid):
        parse_config(yaml.safe_dump(broken), "broken.yaml", env={})
    assert problems(schema, broken)


def test_a_config_with_nested_settings_and_references_validates_both_ways(schema):
    config = {
        "settings": {"listen": "127.0.0.1:8787", "group_window": "2m", "retention": {"audit": 30}},
        "monitors": [{"id": "api", "type": "http", "url": "https://api.example.com/health", "method": "post",
                      "basic_auth": {"username": "probe", "password": "secret"}, "accepted_status": [200, "300-399"],
                      "ip_family": 6, "conditions": ["status == 200", "response_time < 300ms"], "interval": 30},
                     {"id": 7, "type": "dns", "host": "localhost", "expected_addresses": "127.0.0.1"}],
        "channels": [{"id": "hook", "webhook": {"url": "http://127.0.0.1:9/x", "headers": {"X-Team": "ops"}}}],
        "policies": [{"id": "p", "steps": [{"wait": 0, "channels": "hook"}], "reminder": "1h"}],
    }
    parse_config(yaml.safe_dump(config), "good.yaml", env={})
    assert problems(schema, config) == []


def test_values_may_be_environment_references_where_they_are_not_text(schema):
    """`${VAR}` is expanded before the validator reads it, so `port: ${PORT}` is fine as written."""
    text = ("monitors:\n  - id: db\n    type: tcp\n    host: ${DB_HOST}\n    port: ${DB_PORT:-5432}\n"
            "    paused: ${PAUSED:-false}\n")
    parse_config(text, "env.yaml", env={"DB_HOST": "db"})
    assert problems(schema, yaml.safe_load(text)) == []  # as an editor sees it: before expansion
    assert problems(schema, {"monitors": [{"id": "db", "type": "tcp", "host": "db", "port": "$DB_PORT"}]})


def test_defaults_are_the_validators_and_none_comes_from_another_key(schema):
    http = variant(schema, "monitors", "http monitor")["properties"]
    assert http["interval"]["default"] == 60
    assert http["method"]["default"] == "GET"
    assert "default" not in http["name"]  # a name defaults to the monitor's id, not to a constant
    assert "default" not in schema["properties"]["settings"]["properties"]["listen"]  # a (host, port) parsed
    assert "description" in http["url"] and "description" in http["ip_family"]


@dataclass(frozen=True)
class MoodSpec:
    mood: str | None
    target = "mood"
    payload_type = "mood"


def test_a_type_whose_parser_has_no_schema_is_named(monkeypatch):
    def read_mood(r, m, path):
        return MoodSpec(r.get(m, path, "mood", lambda value: str(value)))

    monkeypatch.setitem(registry.TYPES, "mood", MonitorType("mood", ("mood",), read_mood, None))
    assert undescribed(registry.TYPES, KINDS) == ["monitors[mood].mood"]


def test_the_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text(encoding="utf-8") == rendered(), \
        "docs/config.schema.json is stale: run `uptime-tui schema -o docs/config.schema.json`"


def test_the_command_prints_it_or_writes_it_to_a_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(rendered())
    target = tmp_path / "config.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == rendered()
    assert str(target) in capsys.readouterr().err


def test_an_unwritable_output_is_one_line_and_exit_1(tmp_path, capsys):
    assert main(["schema", "-o", str(tmp_path / "missing" / "schema.json")]) == 1
    assert capsys.readouterr().err.startswith("uptime-tui schema: cannot write")
