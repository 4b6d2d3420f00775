"""The running system, no UI in it: pure state machines (incidents, heartbeats) and the engine."""
