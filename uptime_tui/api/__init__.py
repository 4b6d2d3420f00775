"""The HTTP listener: heartbeat pings and the REST API (incidents, alerts, operations, audit)."""
