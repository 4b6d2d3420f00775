"""Where a job sends its pings: the URLs a person copies into a cron job or a CI step.

Built from `settings.public_url` (how jobs reach the listener, through a proxy or a DNS name),
or else from the listener's own address. The command line and the console show the same ones.
"""

from __future__ import annotations

import socket


def base_url(settings) -> str:
    """settings.public_url, else the listener's address (this machine's name when it listens
    on every address)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.listen_host
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.listen_port}"


def ping_url(settings, token: str) -> str:
    """The success ping URL of the heartbeat with `token` (append /start, /fail or /<exit code>)."""
    return f"{base_url(settings)}/ping/{token}"


def curl_line(settings, token: str) -> str:
    """The line to put at the end of a job: its exit status, and its output as the evidence."""
    return f"curl -fsS -m 10 --retry 5 --data-binary @job.log {ping_url(settings, token)}/$?"


def slug_url(settings, heartbeat) -> str | None:
    """Healthchecks' form, /ping/<ping_key>/<slug>, when settings.ping_key is set."""
    if not settings.ping_key:
        return None
    return f"{base_url(settings)}/ping/{settings.ping_key}/{heartbeat.ping_slug}"
