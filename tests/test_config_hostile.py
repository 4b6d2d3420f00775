"""Hostile and broken config files: each is refused with ConfigInvalid (never another exception),
every problem carries file:line:col, and `check-config` exits 2 without a traceback.

The cases are the ones a fuzzer found (ids as maps or lists, impossible dates, integers past
Python's 4,300-digit limit, an alias bomb) and more found by trying. Inputs stay small or are
stopped early by the limits in `config.limits`, so the whole module runs in a few seconds.
"""

import re
import subprocess
import sys

import pytest

from uptime_tui import cli
from uptime_tui.config import ConfigInvalid, load_config, parse_config
from uptime_tui.config.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_PROBLEMS

MONITOR = "monitors:\n  - id: web\n    type: http\n    url: http://127.0.0.1:9/\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """'Billion laughs': each list refers to the previous one `width` times (9**9 values)."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 9, width: int = 9) -> str:
    """The same through merge keys, which the loader's flatten_mapping would copy eagerly."""
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{i}: &m{i}\n  <<: [" + ", ".join([f"*m{i - 1}"] * width) + f"]\n  k{i}: 1"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


HOSTILE = {
    "id as a map": "monitors:\n  - id: {a: 1}\n    type: http\n    url: http://x/\n",
    "id as a list": "monitors:\n  - id: [a, b]\n    type: http\n    url: http://x/\n",
    "duplicate ids as lists": "monitors: [{id: [1], type: http, url: 'http://x/'}, {id: [1], type: http, url: 'http://y/'}]\n",
    "tokens as lists": "heartbeats: [{id: a, period: 1m, token: [1]}, {id: b, period: 1m, token: [1]}]\n",
    "api key names as maps": "api_keys: [{name: {x: 1}, token: 0123456789abcdefgh, permissions: [read]},"
                             " {name: {x: 1}, token: 0123456789abcdefgi, permissions: [read]}]\n",
    "impossible date": "maintenance: [{id: w, tags: [x], start: 2026-13-45, end: 2026-01-01 11:00}]\n",
    "February 30th": "maintenance: [{id: w, tags: [x], start: 2026-02-30 10:00:00, end: 2026-03-01 11:00}]\n",
    "integer of 5,000 digits": MONITOR + "    confirmation: " + "9" * 5000 + "\n",
    "interpolated integer of 5,000 digits": MONITOR + "    confirmation: ${N:-" + "9" * 5000 + "}\n",
    "integer of 4,000 digits as a duration": MONITOR + "    interval: " + "9" * 4000 + "\n",
    "alias bomb": alias_bomb(),
    "merge bomb": merge_bomb(),
    "recursive alias": "monitors: &a [*a]\n",
    "recursive merge": "settings: &s {<<: *s}\n",
    "merge of a scalar": "settings:\n  <<: 1\n",
    "monitors as a string": "monitors: all of them\n",
    "monitors as a number": "monitors: 3\n",
    "settings as a list": "settings: [a, b]\n",
    "a monitor as a string": "monitors: [web]\n",
    "a key that is a list": "? [a, b]\n: 1\n",
    "a key that is a map": "monitors:\n  - ? {id: x}\n    : 1\n",
    "tab indentation": "monitors:\n\t- id: a\n",
    "NUL byte": "monitors: [\x00]\n",
    "binary garbage": "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01",
    "10,000-deep lists": "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "10,000-deep maps": "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
    "an alias chain 200 deep": "".join(f"a{i}: &a{i} [{f'*a{i - 1}' if i else 1}]\n" for i in range(200)),
    "too many values": "a: [" + "1," * (MAX_NODES + 10) + "]\n",
    "two documents": MONITOR + "---\n" + MONITOR,
    "unclosed flow": "monitors: [{id: a\n",
    "undefined alias": "monitors: *nothing\n",
    "a python tag": "monitors: !!python/object/apply:os.system [echo hi]\n",
    "binary where text goes": MONITOR + "    keyword: !!binary 'not base64!'\n",
    "time zone that is a directory": "heartbeats: [{id: h, schedule: '* * * * *', timezone: Europe}]\n",
    "time zone of 5,000 characters": "heartbeats: [{id: h, schedule: '* * * * *', timezone: " + "a" * 5000 + "}]\n",
    "a window in the year 9999 at -01:00": "maintenance: [{id: w, tags: [x], start: 2026-01-01 10:00,"
                                           " end: '9999-12-31T23:59:59-01:00'}]\n",
    "headers of lists": MONITOR + "    headers: {x: [1]}\n",
    "status codes as maps": MONITOR + "    accepted_status: [{a: 1}]\n",
    "a listen port past int's limit": "settings: {listen: '127.0.0.1:" + "9" * 5000 + "'}\n",
    "a status code of 5,000 digits": MONITOR + "    accepted_status: ['" + "2" * 5000 + "']\n",
    "nan and inf everywhere": MONITOR + "    interval: .nan\n    timeout: .inf\n    confirmation: .nan\n"
                              "settings: {group_window: -.inf, retention: {audit: .inf}}\n",
    "a megabyte of one key": "a" * 1_000_000 + ": 1\n",
}

POSITIONED = re.compile(r"^c\.yaml:[1-9]\d*:[1-9]\d*: ")


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_with_positioned_problems(text):
    with pytest.raises(ConfigInvalid) as info:
        parse_config(text, "c.yaml", {})
    found = [str(p) for p in info.value.problems]
    assert found and all(POSITIONED.match(line) for line in found), found
    assert not any("cannot validate this file" in line for line in found), "only the last resort caught it"
    assert all(len(line) < 400 for line in found), "a refused value is echoed in full"


@pytest.mark.parametrize("name", [name for name in HOSTILE if name != "too many values"])  # slow in pure Python
def test_the_pure_python_loader_refuses_them_too(name, monkeypatch):
    """Without libyaml, PyYAML's own loader is used: it refuses the same files, positioned."""
    import yaml

    from uptime_tui.config import yamltree

    monkeypatch.setattr(yamltree, "_Loader", yaml.SafeLoader)
    test_a_hostile_file_is_refused_with_positioned_problems(HOSTILE[name])


@pytest.mark.parametrize("text", ["", "# nothing\n", "---\n...\n", "~\n"])
def test_an_empty_file_is_an_empty_config(text):
    assert parse_config(text, "c.yaml", {}).summary()["monitors"] == 0


def test_the_alias_bomb_stops_at_the_limit_and_says_where():
    [found] = [str(p) for p in pytest.raises(ConfigInvalid, parse_config, alias_bomb(), "c.yaml", {}).value.problems]
    assert f"more than {MAX_NODES:,} values once its aliases are expanded; stopped here" in found
    assert re.match(r"c\.yaml:\d:\d+: ", found), found  # where the expansion would pass the limit


def test_nesting_and_size_limits_name_the_place():
    deep = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert str(pytest.raises(ConfigInvalid, parse_config, deep, "c.yaml", {}).value) == (
        f"c.yaml:1:{3 + MAX_DEPTH}: nested more than {MAX_DEPTH} levels deep; stopped here")
    flat = "a: [" + "1," * (MAX_NODES + 10) + "]\n"
    found = str(pytest.raises(ConfigInvalid, parse_config, flat, "c.yaml", {}).value)
    assert found.startswith("c.yaml:1:") and f"more than {MAX_NODES:,} keys and values" in found


def test_the_values_that_crashed_the_watcher_are_reported_where_they_are():
    cases = {
        "monitors:\n  - id: {a: 1}\n    type: http\n    url: http://x/\n":
            "c.yaml:2:9: monitors[0].id: expected text, got a mapping",
        "maintenance: [{id: w, tags: [x], start: 2026-13-45, end: 2026-01-01 11:00}]\n":
            "c.yaml:1:41: maintenance[0].start: cannot read this value: month must be in 1..12",
        MONITOR + "    confirmation: " + "9" * 5000 + "\n":
            "c.yaml:5:19: monitors[0].confirmation: cannot read this value: a number with more than 4,300 digits",
        "monitors: [\x00]\n": "c.yaml:1:12: cannot read character #x0000: control characters are not allowed",
        "monitors:\n\t- id: a\n": "c.yaml:2:1: YAML syntax error: found character that cannot start any token "
                                  "(a tab: YAML indents with spaces only)",
    }
    for text, expected in cases.items():
        assert str(pytest.raises(ConfigInvalid, parse_config, text, "c.yaml", {}).value) == expected


def test_merge_keys_still_work_and_keys_written_out_win():
    text = """monitors:
  - &base {id: web, type: http, url: 'http://127.0.0.1:9/', interval: 30s, tags: [edge]}
  - <<: *base
    id: api
    interval: 1m
"""
    web, api = parse_config(text, "c.yaml", {}).monitors
    assert (api.id, api.interval, api.target, api.tags) == ("api", 60, web.target, ("edge",))
    text = "monitors:\n  - <<: [{id: a, type: http}, {id: b, url: 'http://x/'}]\n"
    [monitor] = parse_config(text, "c.yaml", {}).monitors
    assert (monitor.id, monitor.target) == ("a", "http://x/")  # the first mapping named wins


def test_problems_past_the_limit_are_counted_not_listed():
    text = "".join(f"unknown{i}: 1\n" for i in range(MAX_PROBLEMS + 50))
    problems = pytest.raises(ConfigInvalid, parse_config, text, "c.yaml", {}).value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert str(problems[-1]) == f"c.yaml:{MAX_PROBLEMS + 1}:1: 50 more problems from here on are not shown"


def test_files_that_are_not_text_or_too_large(tmp_path):
    cases = {
        "latin1.yaml": ("monitors:\n  - id: caf\xe9\n".encode("latin-1"), "latin1.yaml:2:12: not UTF-8 text"),
        "garbage.yaml": (bytes(range(256)) * 4, "garbage.yaml:2:118: not UTF-8 text"),
        "huge.yaml": (b"#" * (MAX_FILE_BYTES + 1), "huge.yaml:0:0: the file is larger than"),
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        message = str(pytest.raises(ConfigInvalid, load_config, tmp_path / name, {}).value)
        assert message.startswith(str(tmp_path / expected)), message


def test_an_unexpected_failure_in_the_validator_is_a_refusal_not_a_traceback(monkeypatch):
    from uptime_tui.config import loading

    def broken(*args):
        raise RuntimeError("a validator bug")

    monkeypatch.setattr(loading, "read_config", broken)
    with pytest.raises(ConfigInvalid) as info:
        parse_config(MONITOR, "c.yaml", {})
    assert str(info.value) == "c.yaml:1:1: cannot validate this file (unexpected RuntimeError); please report it"


def test_check_config_exits_2_for_every_hostile_file(tmp_path, capsys):
    for i, text in enumerate(HOSTILE.values()):
        path = tmp_path / f"{i}.yaml"
        path.write_text(text, encoding="utf-8")
        assert cli.check_config(str(path)) == cli.EXIT_USAGE, text[:80]
    assert "Traceback" not in capsys.readouterr().err


def test_check_config_refuses_the_alias_bomb_as_a_process(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb() + MONITOR, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "uptime_tui", "check-config", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "values once its aliases are expanded" in done.stderr and "Traceback" not in done.stderr
