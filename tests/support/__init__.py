"""What the tests share: fake clocks, free ports, local targets and receivers, waits, Pilot helpers.

A test module imports from here, never from another test module.
"""
