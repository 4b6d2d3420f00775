"""Schema-driven fuzzing: schemathesis reads the served OpenAPI document and sends generated valid
and invalid requests to every operation of a live engine on 127.0.0.1; no response may be a 5xx
or disagree with the document (status, content type, body schema, auth, rejected invalid input).

Two runs at once, one per API key, so both cores work: the read key's run spends its examples
on the pings (which need no key) and sees every write refused; the write key's run spends them on
the writes and the reads. Both are derandomised (deterministic generation, no example database),
so a failure reproduces, and wide: a few hundred cases for each operation that parses something,
and one string in ten drawn from a dictionary of strings that look like numbers or hold a NUL.
Volume alone does not meet an input such as '¹' (a digit to str.isdigit(), not to int()): 400
examples of each ping operation sent no path segment made only of such digits.
UPTIME_TUI_FUZZ_SCALE=4 multiplies every budget, for a longer hunt.
"""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import _pg_reachable
from support.api import CONFIG, READ_TOKEN, WRITE_TOKEN, Clock, feed, open_incident, serving
from uptime_tui.store import open_database

pytest.importorskip("schemathesis")

SCALE = float(os.environ.get("UPTIME_TUI_FUZZ_SCALE", "1"))
PING_KEY = "fuzz-ping-key-0123456789"
FUZZ_CONFIG = CONFIG.replace("team_id: sre}", f"team_id: sre, ping_key: {PING_KEY}}}")

WRITES = ["/api/v1/incidents/{id}/*", "/api/v0/alerts/{id}/close", "/api/v1/monitors/*", "/api/v1/heartbeats/*"]
READS = ["/api/v1/incidents", "/api/v1/incidents/{id}", "/api/v0/alerts", "/api/v1/audit", "/api/v1/engine",
         "/api/v1/stream", "/api/v1/console/*"]
SUFFIXED = ["/ping/{token}/{action}", "/ping/{ping_key}/{slug}/{action}"]  # where exit statuses are parsed
PINGS = ["/ping/{token}", "/api/push/{token}"]
# Examples of the fuzzing phase per operation (of one method, or all; the first match counts), and
# whether this key's run sends the coverage phase's cases (about 800 in all) to it too. The write
# key may read, so the reads are fuzzed in its run, which has fewer pings to send.
# A HEAD ping is a GET ping without a body to answer.
BUDGETS = {
    "read": [(SUFFIXED, "HEAD", 60, True), (SUFFIXED, None, 250, True), (PINGS, None, 120, True),
             (READS, None, 50, True), (WRITES, None, 3, False)],
    "write": [(WRITES, None, 130, True), (READS, None, 100, False), (SUFFIXED + PINGS, None, 3, False)],
}
MINIMUM = 3  # the rest (/health, /api/openapi.json), covered in both runs

SETTINGS = f"""
# Every warning but the dictionary's: its entries fail most parameters' schemas on purpose.
warnings = {{ display = ["missing_test_data", "validation_mismatch", "unsupported_regex", "unmatched_filter",
                         "unresolvable_reference", "missing_deserializer"] }}

[generation]
deterministic = true
database = "none"
max-examples = {MINIMUM}
# Now and then a string that looks like a number to str.isdigit() or int() and not to the rest,
# or text PostgreSQL refuses to store.
dictionaries.string = {{ dictionary = "tricky", probability = 0.1 }}

# Every check but the stateful ones (no links between operations are declared).
[checks]
enabled = true
use_after_free.enabled = false
ensure_resource_availability.enabled = false
object_level_authorization.enabled = false

[dictionaries.tricky]
values = ["¹", "²³", "①", "፩", "٣", "१२", "𝟙", "１２", "Ⅻ", "½", "1_000", " 1", "1e3", "+1", "-0", "0x1f", "{"9" * 30}",
          "\\u0000", "a\\u0000b"]
[dictionaries.incident_ids]
values = [1, 2, 3]
[dictionaries.refs]
values = ["web", "api", "backup", "1", "2"]
[dictionaries.tokens]
values = ["backup-token-12345", "{PING_KEY}"]
[dictionaries.ping_keys]
values = ["{PING_KEY}"]
[dictionaries.slugs]
values = ["backup"]
[dictionaries.operators]
values = ['{{"name": "Alice", "context": {{"host": "laptop"}}, "email": null}}', "not json", ""]

[parameters]
# Half the time an id or a name that exists, so operations get past 404 to their real work.
"path.id" = {{ dictionary = "incident_ids", probability = 0.5 }}
"path.ref" = {{ dictionary = "refs", probability = 0.5 }}
"path.token" = {{ dictionary = "tokens", probability = 0.3 }}
"path.ping_key" = {{ dictionary = "ping_keys", probability = 0.5 }}
"path.slug" = {{ dictionary = "slugs", probability = 0.5 }}
# Headers carry Latin-1 only (HTTP clients refuse the rest): the person a console names, always
# from this dictionary. API keys ignore it; the console credential's checks are tests/test_api_console.py.
"header.X-Uptime-Operator" = {{ dictionary = "operators", probability = 1.0 }}
# An exit status is a number in the path: more of them there.
"path.action" = {{ dictionary = "tricky", probability = 0.3 }}

# The event stream never ends on its own: its hello is read, then the connection closed.
[[operations]]
include-path = "/api/v1/stream"
max-stream-events = 1

# A schema cannot say "in the future and within 30 days": valid-looking snoozes may get a 400,
# as the document describes, so positive_data_acceptance does not apply to that operation.
[[operations]]
include-path = "/api/v1/incidents/{{id}}/snooze"
checks.positive_data_acceptance.enabled = false
"""


def settings_for(key: str) -> str:
    """The settings of one key's run: its examples per operation (the first match wins)."""
    text = SETTINGS
    for patterns, method, examples, coverage in BUDGETS[key]:
        regex = "|".join("^" + p.replace("{", r"\\{").replace("}", r"\\}").replace("*", ".*") + "$" for p in patterns)
        text += f'\n[[operations]]\ninclude-path-regex = "{regex}"\n'
        text += f'include-method = "{method}"\n' if method else ""
        text += f"generation.max-examples = {max(1, int(examples * SCALE))}\n"
        text += "" if coverage else "phases.coverage.enabled = false\n"
    return text


async def fuzz(port: int, key: str, token: str, tmp_path: Path) -> tuple[int, str]:
    """One schemathesis run with `token`; its exit code and output."""
    (tmp_path / f"{key}.toml").write_text(settings_for(key))
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(tmp_path / f"{key}.toml"),
        "run", f"http://127.0.0.1:{port}/api/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--phases", "examples,coverage,fuzzing", "--workers", "1", "--request-timeout", "10",
        "--report", "json", "--report-json-path", str(tmp_path / f"{key}.json"), "--output-sanitize", "true",
        "--suppress-health-check", "all", "--no-color",
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
    output, _ = await process.communicate()
    return process.returncode, output.decode(errors="replace")


@pytest.mark.anyio
async def test_fuzz_the_openapi_document(database_url):
    # Once, on the stricter database: PostgreSQL refuses NUL in text and integers past 32 bits.
    if "://" not in database_url and _pg_reachable() is None:
        pytest.skip("fuzzed on PostgreSQL")
    tmp_path = Path(tempfile.mkdtemp(prefix="uptime-fuzz-"))
    database = open_database(database_url)
    clock = Clock()
    async with serving(database, clock, FUZZ_CONFIG) as (engine, client):
        # Something to find: an open incident, a resolved one, a grouped pair.
        await open_incident(engine, clock, "web")
        await feed(engine, clock, "web", success=True, times=2)
        await open_incident(engine, clock, "api")
        await open_incident(engine, clock, "cdn")
        port = client.base_url.port
        async with asyncio.timeout(300):  # a safety net: the example caps end each run long before
            runs = await asyncio.gather(fuzz(port, "read", READ_TOKEN, tmp_path),
                                        fuzz(port, "write", WRITE_TOKEN, tmp_path))
    database.close()
    for key, (code, text) in zip(("read", "write"), runs):
        print(f"--- {key} key\n{text[-1200:]}")  # the summary: operations, cases generated, failures
    failed = [f"--- {key} key\n{text[-15000:]}" for key, (code, text) in zip(("read", "write"), runs) if code]
    assert not failed, "\n".join(failed)
    shutil.rmtree(tmp_path)
