"""Schema-driven fuzzing: schemathesis reads the served OpenAPI document and sends generated valid
and invalid requests to every operation of a live engine on 127.0.0.1; no response may be a 5xx
or disagree with the document (status, content type, body schema, auth, rejected invalid input).

The run is bounded: a fixed seed, a capped number of examples per operation, a time budget.
"""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import _pg_reachable
from test_api_support import WRITE_TOKEN, Clock, feed, open_incident, serving
from uptime_tui.store import open_database

pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("UPTIME_TUI_FUZZ_EXAMPLES", "20"))
TIME_BUDGET = 120  # seconds: a safety net, the example cap ends the run long before

# A schema cannot say "in the future and within 30 days": valid-looking snoozes may get a 400,
# as the document describes, so positive_data_acceptance does not apply to that operation.
SETTINGS = """
# Every check but the stateful ones (no links between operations are declared).
[checks]
enabled = true
use_after_free.enabled = false
ensure_resource_availability.enabled = false
object_level_authorization.enabled = false

[dictionaries.incident_ids]
values = [1, 2, 3]
[dictionaries.refs]
values = ["web", "api", "backup", "1", "2"]
[dictionaries.tokens]
values = ["backup-token-12345"]

[parameters]
# Half the time an id or a name that exists, so operations get past 404 to their real work.
"path.id" = { dictionary = "incident_ids", probability = 0.5 }
"path.ref" = { dictionary = "refs", probability = 0.5 }
"path.token" = { dictionary = "tokens", probability = 0.3 }

[[operations]]
include-path = "/api/v1/incidents/{id}/snooze"
checks.positive_data_acceptance.enabled = false
"""


@pytest.mark.anyio
async def test_fuzz_the_openapi_document(database_url):
    # Once, on the stricter database: PostgreSQL refuses NUL in text and integers past 32 bits.
    if "://" not in database_url and _pg_reachable() is None:
        pytest.skip("fuzzed on PostgreSQL")
    tmp_path = Path(tempfile.mkdtemp(prefix="uptime-fuzz-"))
    database = open_database(database_url)
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        # Something to find: an open incident, a resolved one, a grouped pair.
        await open_incident(engine, clock, "web")
        await feed(engine, clock, "web", success=True, times=2)
        await open_incident(engine, clock, "api")
        await open_incident(engine, clock, "cdn")
        (tmp_path / "schemathesis.toml").write_text(SETTINGS)
        report = tmp_path / "report.json"
        command = [
            str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(tmp_path / "schemathesis.toml"),
            "run", f"http://127.0.0.1:{engine.listener.port}/api/openapi.json",
            "--header", f"Authorization: Bearer {WRITE_TOKEN}",
            "--phases", "examples,coverage,fuzzing", "--max-examples", str(EXAMPLES), "--seed", "20261123",
            "--workers", "1", "--request-timeout", "10",
            "--report", "json", "--report-json-path", str(report), "--output-sanitize", "true",
            "--suppress-health-check", "all",
        ]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
        async with asyncio.timeout(TIME_BUDGET + 60):
            output, _ = await process.communicate()
    database.close()
    text = output.decode(errors="replace")
    print(text[-1500:])  # the summary: operations, cases generated, failures
    assert process.returncode == 0, text[-20000:]
    shutil.rmtree(tmp_path)
