"""The pure rules: facts and a clock in, decisions out; no database, no network, no screen.

The monitor and heartbeat state machines and the actions they ask for, escalation policies and
maintenance windows. The engine runs them and stores what they decide; the read layer uses them
to say what a stored state means (a heartbeat's next deadline, a window in force).
"""
