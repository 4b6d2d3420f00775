"""The running system: the one writer of incident state. It runs the pure rules (rules/) and stores what they decide."""
