"""Conditions: parsed at load with their position, judged after every check, named in the cause,
kept with the result for the console's monitor detail."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone

import pytest
from aiohttp import web

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.checks.assertions import failures, judge
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.config.conditions import condition

pytestmark = pytest.mark.anyio


def load(monitor_yaml: str):
    return parse_config("monitors:\n" + textwrap.indent(textwrap.dedent(monitor_yaml), "  "), "c.yaml")


def problems(monitor_yaml: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(ConfigInvalid) as refused:
        load(monitor_yaml)
    return [(p.line, p.column, p.path, p.message) for p in refused.value.problems]


@pytest.mark.parametrize("written, fact, op, expected, path", [
    ("status == 200", "status", "==", 200.0, None),
    ('body.status == "UP"', "body", "==", "UP", "status"),
    ("body.data[0].id != 7", "body", "!=", 7.0, "data[0].id"),
    ("response_time < 300ms", "response_time", "<", 0.3, None),
    ("certificate_expires > 14d", "certificate_expires", ">", 14 * 86400.0, None),
    ("header.Content-Type contains json", "header", "contains", "json", "content-type"),
    ("dns.rcode == noerror", "dns.rcode", "==", "NOERROR", None),
    ("connected == true", "connected", "==", True, None),
    ("body not contains 'error'", "body", "not contains", "error", None),
    ("loss<=10", "loss", "<=", 10.0, None),
])
def test_conditions_parse_into_fact_operator_and_value(written, fact, op, expected, path):
    parsed = condition(written)
    assert (parsed.fact, parsed.op, parsed.expected, parsed.path) == (fact, op, expected, path)


def test_a_bad_condition_is_refused_at_its_own_line_with_the_reason():
    found = problems("""\
        - id: api
          type: http
          url: http://127.0.0.1:9/
          conditions:
            - status == 200
            - response_time < 300
            - body.[[ == 1
            - 'body matches "["'
            - dns.rcode == NOERROR
            - status = 200
            - body.status === UP
        """)
    assert [(line, path) for line, _, path, _ in found] == [
        (7, "monitors[0].conditions[1]"), (8, "monitors[0].conditions[2]"), (9, "monitors[0].conditions[3]"),
        (10, "monitors[0].conditions[4]"), (11, "monitors[0].conditions[5]"), (12, "monitors[0].conditions[6]")]
    messages = [message for *_, message in found]
    assert "give a unit, such as 300ms" in messages[0]
    assert "cannot parse the JSON path '[['" in messages[1]
    assert "not a regular expression" in messages[2]
    assert messages[3].startswith("http monitors have no dns.rcode (they have response_time, connected, status")
    assert "expected FACT OPERATOR VALUE" in messages[4]
    assert messages[5].startswith("'body.status === UP': the operator is one of ==, !=")


def test_conditions_must_be_a_list():
    [(_, _, path, message)] = problems("""\
        - {id: api, type: tcp, host: 127.0.0.1, port: 9, conditions: {status: 200}}
        """)
    assert (path, message) == ("monitors[0].conditions", "expected a list, got a mapping")


def test_each_failed_condition_is_named_with_what_was_found():
    conditions = tuple(condition(c) for c in (
        "status == 200", 'body.status == "UP"', "response_time < 300ms", "header.content-type contains json",
        'body matches "v[0-9]+"', "body.missing == 1", "certificate_expires > 14d"))
    facts = {"status": 200, "body": '{"status": "DOWN"}', "response_time": 0.512,
             "header": {"content-type": "text/html"}, "certificate_expires": 3 * 86400.0}
    outcomes = judge(conditions, facts)
    assert [passed for passed, _ in outcomes] == [True, False, False, False, False, False, False]
    assert failures(conditions, outcomes) == [
        'body.status is "DOWN", expected "UP"', "response_time is 512ms, expected < 300ms",
        'header.content-type is "text/html", expected to contain "json"', 'body does not match "v[0-9]+"',
        "body.missing is absent, expected == 1", "certificate_expires is 3d, expected > 14d"]


def test_a_json_path_into_a_body_that_is_not_json_says_so():
    conditions = (condition('body.status == "UP"'),)
    outcomes = judge(conditions, {"body": "<html>down</html>"})
    assert failures(conditions, outcomes) == ["body.status: the body is not JSON"]


def test_numbers_compare_as_numbers_whatever_json_gives():
    conditions = tuple(condition(c) for c in ("body.count > 3", "body.ratio == 0.5", "body.ok == true"))
    outcomes = judge(conditions, {"body": '{"count": "12", "ratio": 0.5, "ok": true}'})
    assert [passed for passed, _ in outcomes] == [True, True, True]


# --- end to end: a real server, a real check ------------------------------------------------------


@pytest.fixture
async def health_server():
    state = {"status": "UP"}

    async def health(request):
        return web.json_response({"status": state["status"], "version": "v2.4.1"})

    async def page(request):
        return web.Response(text="<html>hello</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/page", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield state, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    await runner.cleanup()


async def test_a_check_fails_when_a_condition_does_not_hold_and_records_every_outcome(health_server):
    state, base = health_server
    config = load(f"""\
        - id: api
          type: http
          url: {base}/health
          timeout: 5s
          conditions: ['status == 200', 'body.status == "UP"', 'body matches "v[0-9]+"',
                       'header.content-type contains json', 'response_time < 5s']
        """)
    [monitor] = config.monitors
    async with ProbeClient() as client:
        passed = await run_check(monitor, client, "local")
        state["status"] = "DOWN"
        failed = await run_check(monitor, client, "local")
    assert (passed.success, passed.cause) == (True, None)
    assert [ok for ok, _ in passed.assertions] == [True] * 5
    assert passed.assertions[1] == (True, '"UP"')
    assert (failed.success, failed.cause) == (False, 'body.status is "DOWN", expected "UP"')
    assert [ok for ok, _ in failed.assertions] == [True, False, True, True, True]


async def test_the_types_own_verdict_comes_first_and_conditions_are_still_judged(health_server):
    _, base = health_server
    [monitor] = load(f"""\
        - {{id: api, type: http, url: "{base}/nowhere", timeout: 5s, conditions: ['status == 404']}}
        """).monitors
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "local")
    assert (result.success, result.cause, result.assertions) == (False, "HTTP 404", ((True, "404"),))


async def test_a_refused_connection_fails_connected_and_knows_no_status():
    from support.network import free_port

    [monitor] = load(f"""\
        - {{id: db, type: tcp, host: 127.0.0.1, port: {free_port()}, timeout: 5s, conditions: ['connected == true']}}
        """).monitors
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "local")
    assert (result.success, result.cause) == (False, "connection refused")
    assert result.assertions == ((False, "false"),)


async def test_keyword_and_body_conditions_read_the_body_once(health_server):
    _, base = health_server
    [monitor] = load(f"""\
        - {{id: page, type: keyword, url: "{base}/page", keyword: hello, timeout: 5s,
            conditions: ['body contains "<html>"', 'body.x == 1']}}
        """).monitors
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "local")
    assert (result.success, result.cause) == (False, "body.x: the body is not JSON")
    assert result.assertions[0] == (True, "18 characters")


def test_the_outcomes_are_stored_with_the_result_and_shown_in_the_monitor_detail(database):
    from uptime_tui.queries.dashboard import monitor_detail
    from uptime_tui.results import CheckResult
    from uptime_tui.store.models import Monitor as MonitorRow, database_proxy
    from uptime_tui.store.sync import sync_definitions
    from uptime_tui.store.writer import Writer

    config = load("""\
        - {id: api, type: http, url: "http://127.0.0.1:9/", conditions: ['status == 200', 'body.ok == true']}
        """)
    sync_definitions(config, datetime.now(timezone.utc))
    row = MonitorRow.get(MonitorRow.key == "api")
    assert row.definition["conditions"] == ["status == 200", "body.ok == true"]
    assert monitor_detail(row.id).conditions == [("status == 200", None, None), ("body.ok == true", None, None)]
    now = datetime.now(timezone.utc)
    result = CheckResult("api", False, "body.ok is false, expected true", 0.1, 1.0, 200, "local", now,
                         assertions=((True, "200"), (False, "false")))
    writer = Writer(database_proxy.obj, lambda: {"api": row.id}).start()  # as the engine writes results
    writer.submit_results(result)
    writer.stop()
    assert monitor_detail(row.id).conditions == [("status == 200", True, "200"), ("body.ok == true", False, "false")]
