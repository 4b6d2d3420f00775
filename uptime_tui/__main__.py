"""`python -m uptime_tui` runs the command line."""

from uptime_tui.cli import main

raise SystemExit(main())
