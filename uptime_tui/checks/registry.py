"""The monitor types by name: `type: http` in YAML finds its module here.

Adding a type is one module implementing `checks.monitor_type` and one `register(...)` line below.
Every module registered here is imported by config loading, so each keeps its network libraries
out of its top-level imports (see `checks.monitor_type`).
"""

from __future__ import annotations

from uptime_tui.checks import dns, grpc_health, http, mysql, ping, postgres, redis, smtp, ssh, tcp, tls, websocket
from uptime_tui.checks.monitor_type import MonitorType

TYPES: dict[str, MonitorType] = {}


def register(monitor_type: MonitorType) -> None:
    """Make a monitor type known to config loading and to `run_check`."""
    TYPES[monitor_type.name] = monitor_type


register(http.HTTP)
register(http.KEYWORD)
register(tcp.TCP)
register(dns.DNS)
register(tls.TLS)
register(ping.PING)
register(postgres.POSTGRES)
register(mysql.MYSQL)
register(redis.REDIS)
register(ssh.SSH)
register(grpc_health.GRPC)
register(smtp.SMTP)
register(websocket.WEBSOCKET)


def type_keys() -> tuple[str, ...]:
    """Every key some registered type reads, each once."""
    return tuple(dict.fromkeys(key for t in TYPES.values() for key in t.keys))
