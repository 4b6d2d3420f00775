"""Conditions: assertions over a check's result, in the spirit of Gatus (`status == 200`,
`body.status == "UP"`, `response_time < 300ms`, `certificate_expires > 14d`).

A condition is `FACT OPERATOR VALUE`. The facts a probe can record are named in FACTS with their
kind, which says how the value on the right is read (a duration with its unit, a number, a word);
a type lists the facts its probe records (`MonitorType.facts`), so a condition on a fact the type
never has is refused at load, at its line and column.
"""

from __future__ import annotations

# Every fact a probe may record in `Observation.facts`, and its kind. Durations are seconds.
FACTS = {
    "connected": "boolean",            # a connection was made (every type but ping and dns)
    "response_time": "duration",       # the whole check (every type; set by run_check)
    "status": "number",                # the HTTP status code
    "body": "text",                    # the HTTP body (first MiB), or a DNS answer's records
    "header": "text",                  # header.NAME: a response header (names without case)
    "certificate_expires": "duration",  # until the peer certificate's notAfter (negative: expired)
    "dns.rcode": "word",               # NOERROR, NXDOMAIN, SERVFAIL...
    "loss": "number",                  # ping: percent of packets lost, 0 to 100
    "rtt": "duration",                 # ping: the mean round trip
    "result": "text",                  # a database query's first column of its first row
    "rows": "number",                  # a database query's row count
    "banner": "text",                  # ssh and smtp: the server's greeting
    "host_key": "text",                # ssh: the host key's SHA256 fingerprint (SHA256:...)
    "grpc.status": "word",             # SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN
    "message": "text",                 # websocket: the reply to the message sent
}
