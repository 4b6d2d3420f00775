"""`GET /api/v1/audit`: the audit log with the CLI's filters, newest first, by id cursors.

Filters (every one given must match): `target` (an id, a name in any case, or type:id such as
monitor:3), `action` (a glob such as incident.*), `actor` (id or name), `actor_type`, `since`
(inclusive) and `until` (exclusive) written as for `uptime-tui audit --since` (ISO 8601, UTC
without an offset, or a duration ago such as 24h or 1h30m), `text` (a substring of the message).
They are read by `audit.parse_filter`, as in the console and the CLI, with the same refusals;
`since` not earlier than `until` is an empty range, not an error.
Pages: `limit` (1-100, default 50), then `before_id=<next_before_id>` for older entries or
`after_id=<next_after_id>` for newer ones.

With `Accept: text/csv` the answer is the CSV export of every matching entry, oldest first, the
same file `uptime-tui audit export` writes (cells neutralised for spreadsheets), streamed in
batches read off the event loop.
"""

from __future__ import annotations

import asyncio
from itertools import islice

from aiohttp import web

from uptime_tui import audit
from uptime_tui.api import params
from uptime_tui.api.auth import requires
from uptime_tui.api.errors import bad_request
from uptime_tui.api.app_keys import ENGINE, read
from uptime_tui.queries import audit as audit_log

CSV_BATCH = 1000


def parse_filter(request: web.Request) -> audit.Filter:
    """The query's filters as an audit.Filter: the console's and the CLI's grammar and refusals
    (400 naming the parameter at fault)."""
    values = {key: request.query.get(key) for key in audit.FILTER_KEYS}
    try:
        return audit.parse_filter(values, request.app[ENGINE].clock())
    except audit.FilterError as exc:
        raise bad_request(str(exc)) from None


def _cursor(request: web.Request, name: str) -> int | None:
    return params.query_int(request, name, None, 0, None, f"{name} must be an entry id (a non-negative integer)")


def _page(criteria: audit.Filter, limit: int, before_id: int | None, after_id: int | None) -> dict:
    page = audit_log.page(criteria, limit=limit, before_id=before_id, after_id=after_id)
    return {"entries": list(page), "next_before_id": page.next_before_id, "next_after_id": page.next_after_id}


def _wants_csv(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(part.split(";")[0].strip().lower() == "text/csv" for part in accept.split(","))


@requires("read")
async def list_audit(request: web.Request) -> web.StreamResponse:
    """A page of entries as JSON, or every matching entry as CSV."""
    criteria = parse_filter(request)
    limit = params.query_int(request, "limit", 50, 1, 100, "limit must be between 1 and 100")
    before_id, after_id = _cursor(request, "before_id"), _cursor(request, "after_id")
    if _wants_csv(request):  # the whole export: the page and its cursors do not apply
        return await _export(request, criteria)
    return web.json_response(await read(request, _page, criteria, limit, before_id, after_id))


async def _export(request: web.Request, criteria: audit.Filter) -> web.StreamResponse:
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="uptime-tui-audit.csv"'})
    after_id: int | None = None
    header = True
    while True:
        # Each batch is read whole on a worker thread; the cursor carries over, not a connection.
        batch = await read(request, lambda a: list(islice(audit_log.iter_entries(
            criteria, oldest_first=True, after_id=a, batch_size=CSV_BATCH), CSV_BATCH)), after_id)
        if not response.prepared:
            await response.prepare(request)
        chunks = list(audit.csv_chunks(batch))
        await response.write("".join(chunks if header else chunks[1:]).encode("utf-8"))
        header = False
        if len(batch) < CSV_BATCH:
            break
        after_id = batch[-1]["id"]
        await asyncio.sleep(0)
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    """Mount the audit endpoint."""
    app.router.add_get("/api/v1/audit", list_audit, allow_head=False)
