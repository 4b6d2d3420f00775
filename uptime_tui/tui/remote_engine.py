"""The engine behind a listener, as the console's operations see it: EnginePort's operations as
HTTP calls (the REST operations of api/operations.py).

The App's operations are lambdas over an engine (`lambda e: e.acknowledge(id, me)`); this class
answers the same named methods, so the App, its optimistic acknowledgement and its toasts work
unchanged whether the engine runs in this process or elsewhere. A 4xx answer is a refusal with the
server's own wording (`already acknowledged by alice`, `this console's key is read-only`), raised
as `OperationRefused` exactly as the engine in process raises it.

With the console credential the listener needs to know who acts: the person and SSH context go
in the `X-Uptime-Operator` header, so the audit log records them, not "console". With an API key
(`--connect`) the key is the operator and the header is not sent.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from uptime_tui.operator import OperationRefused, Operator, Outcome

OPERATION_TIMEOUT = 15.0
REFUSAL_KINDS = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}


class EngineUnreachable(Exception):
    """The listener did not answer an operation: whether it was applied is unknown."""


class RemoteEngine:
    """The operations of `engine.port.EnginePort`, sent to the listener at `url`."""

    def __init__(self, client: httpx.AsyncClient, url: str, credential: str, *, names_operator: bool) -> None:
        self.client, self.url = client, url
        self._authorization = f"Bearer {credential}"
        self.names_operator = names_operator  # the console credential: say who acts

    async def acknowledge(self, incident_id: int, operator: Operator, *, whole_group: bool = False) -> Outcome:
        return await self._post(f"/api/v1/incidents/{incident_id}/acknowledge", operator,
                                {"whole_group": whole_group})

    async def snooze(self, incident_id: int, operator: Operator, *, duration: timedelta | None = None,
                     until: datetime | None = None, cancel_on_updates: bool = True,
                     whole_group: bool = False) -> Outcome:
        body: dict = {"whole_group": whole_group, "cancel_on_updates": cancel_on_updates}
        if duration is not None:
            body["duration"] = duration.total_seconds()
        if until is not None:
            body["until"] = until.isoformat()
        return await self._post(f"/api/v1/incidents/{incident_id}/snooze", operator, body)

    async def unsnooze(self, incident_id: int, operator: Operator, *, whole_group: bool = False) -> Outcome:
        return await self._post(f"/api/v1/incidents/{incident_id}/unsnooze", operator,
                                {"whole_group": whole_group})

    async def resolve(self, incident_id: int, operator: Operator, reason: str, *,
                      whole_group: bool = False) -> Outcome:
        return await self._post(f"/api/v1/incidents/{incident_id}/resolve", operator,
                                {"reason": reason, "whole_group": whole_group})

    async def reopen(self, incident_id: int, operator: Operator, reason: str | None = None) -> Outcome:
        return await self._post(f"/api/v1/incidents/{incident_id}/reopen", operator, {"reason": reason})

    async def pause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        return await self._post(f"/api/v1/{kind}s/{ref}/pause", operator, None)

    async def unpause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        return await self._post(f"/api/v1/{kind}s/{ref}/unpause", operator, None)

    async def _post(self, path: str, operator: Operator, body: dict | None) -> Outcome:
        headers = {"Authorization": self._authorization}
        if self.names_operator:
            headers["X-Uptime-Operator"] = operator_header(operator)
        try:
            response = await self.client.post(self.url + path, json=body, headers=headers, timeout=OPERATION_TIMEOUT)
        except httpx.HTTPError as exc:
            raise EngineUnreachable(f"the engine at {self.url} did not answer "
                                    f"({type(exc).__name__}): see the audit log for whether it was done") from exc
        answer = _json(response)
        if 400 <= response.status_code < 500:
            reason = answer.get("error") or f"refused: HTTP {response.status_code}"
            if response.status_code == 403:  # a wallboard's key: say what it means for this console
                reason = f"this console's key is read-only: nothing was changed ({reason})"
            raise OperationRefused(REFUSAL_KINDS.get(response.status_code, "invalid"), reason)
        if response.status_code >= 300:
            raise EngineUnreachable(answer.get("error") or f"the engine answered HTTP {response.status_code}")
        return Outcome(answer.get("message", "done"), tuple(answer.get("incident_ids") or ()))


def operator_header(operator: Operator) -> str:
    """The `X-Uptime-Operator` header: who acts at this console, and from where."""
    return json.dumps({"name": operator.name, "context": operator.context, "email": operator.email})


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
