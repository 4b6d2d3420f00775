"""The HTTP listener: heartbeat pings now, the REST API beside them later."""
